package io.kvgrid.examples;

import io.kvgrid.BlockStore;
import io.kvgrid.DeviceBuffer;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.PutOptions;
import io.kvgrid.gpu.CudaDeviceMemory;
import io.kvgrid.gpu.EvictionGuard;
import io.kvgrid.gpu.GpuTier;
import io.kvgrid.gpu.GpuTierFactory;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The GPU rows of {@code kvgrid bench}, on CUDA device 0 when there is one: host-to-device and device-to-host copies
 * of 1 MiB and 32 MiB blocks through the GPU tier ({@code kvgrid-gpu}: its put and read, CRC32C checked, from and
 * into pinned host buffers; {@code -staged}: ordinary direct buffers through its staging slots) against raw
 * {@code cuMemcpyHtoD} / {@code cuMemcpyDtoH} from a pinned host buffer ({@code cuda}) in the same run, and the host's
 * share of a staged copy on its own ({@code host}); and a UCM load of 64 blocks into device buffers from the GPU
 * tier (blocks pinned there) and from memory ({@code load-gpu}, {@code load-memory}). Without a CUDA driver and device
 * the rows are left out and the log says why.
 */
final class BenchGpu {
    static final List<Integer> COPY_SIZES = List.of(1 << 20, 32 << 20);
    private static final int LOAD_BLOCKS = 64;
    private static final int LOAD_BLOCK_BYTES = 1 << 20;

    private BenchGpu() {
    }

    static void measure(BenchSettings s, PrintStream log, Consumer<BenchRow> out) throws Exception {
        if (!CudaDeviceMemory.available()) {
            if (log != null)
                log.println("bench: no CUDA driver or device, GPU rows left out (" + whyNoCuda() + ")");
            return;
        }
        for (int size : COPY_SIZES) {
            rawCopies(s, size, log, out);
            tierCopies(s, size, log, out);
        }
        loads(s, log, out);
    }

    /** What the driver said when asked for its devices: a missing libcuda, or no device. */
    private static String whyNoCuda() {
        try {
            return CudaDeviceMemory.deviceCount() + " devices";
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static void cuda(int result, String call) {
        if (result != CUresult.CUDA_SUCCESS)
            throw new IllegalStateException(call + " failed: " + CUresult.stringFor(result));
    }

    /** The ceiling: synchronous cuMemcpy between a pinned host buffer and one device allocation. */
    private static void rawCopies(BenchSettings s, int size, PrintStream log, Consumer<BenchRow> out) throws Exception {
        cuda(JCudaDriver.cuInit(0), "cuInit");
        CUdevice dev = new CUdevice();
        cuda(JCudaDriver.cuDeviceGet(dev, 0), "cuDeviceGet");
        CUcontext ctx = new CUcontext();
        cuda(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain");
        Pointer host = new Pointer();
        CUdeviceptr device = new CUdeviceptr();
        try {
            cuda(JCudaDriver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
            cuda(JCudaDriver.cuMemAllocHost(host, size), "cuMemAllocHost");
            cuda(JCudaDriver.cuMemAlloc(device, size), "cuMemAlloc");
            ByteBuffer pinned = host.getByteBuffer(0, size);
            byte[] block = block(size, 1);
            pinned.put(block).clear();
            out.accept(copyRow(s, log, "cuda", "h2d", size,
                () -> cuda(JCudaDriver.cuMemcpyHtoD(device, host, size), "cuMemcpyHtoD"), () -> { }));
            out.accept(copyRow(s, log, "cuda", "d2h", size,
                () -> cuda(JCudaDriver.cuMemcpyDtoH(host, device, size), "cuMemcpyDtoH"),
                () -> sameEnds(pinned, block, "cuMemcpyDtoH")));
            hostWork(s, size, pinned, log, out);
        } finally {
            JCudaDriver.cuMemFree(device);
            JCudaDriver.cuMemFreeHost(host);
            JCudaDriver.cuDevicePrimaryCtxRelease(dev);
        }
    }

    /**
     * The host's share of a staged, checksummed copy, on its own: a direct buffer copied into the pinned one, and the
     * CRC32C of a direct buffer, each on one thread ({@code host} {@code copy-to-pinned}, {@code crc32c}).
     */
    private static void hostWork(BenchSettings s, int size, ByteBuffer pinned, PrintStream log, Consumer<BenchRow> out)
        throws Exception {
        byte[] block = block(size, 3);
        ByteBuffer src = ByteBuffer.allocateDirect(size).put(block).flip();
        CRC32C expected = new CRC32C();
        expected.update(block);
        long want = expected.getValue();
        out.accept(copyRow(s, log, "host", "copy-to-pinned", size,
            () -> pinned.duplicate().clear().put(src.duplicate()), () -> sameEnds(pinned, block, "the host copy")));
        out.accept(copyRow(s, log, "host", "crc32c", size, () -> {
            CRC32C c = new CRC32C();
            c.update(src.duplicate());
            if (c.getValue() != want)
                throw new IllegalStateException("CRC32C of the same bytes changed");
        }, () -> { }));
    }

    /**
     * The GPU tier's own path: put (copy in, CRC32C checked) and read (copy out, CRC32C verified) of one block, from
     * and into pinned host buffers of the tier's device memory, as the raw copies use ({@code h2d}, {@code d2h}), and
     * from and into ordinary direct buffers, through the tier's staging slots ({@code h2d-staged}, {@code d2h-staged}).
     */
    private static void tierCopies(BenchSettings s, int size, PrintStream log, Consumer<BenchRow> out)
        throws Exception {
        byte[] block = block(size, 2);
        CRC32C crc = new CRC32C();
        crc.update(block);
        int sum = (int) crc.getValue();
        try (GpuTier tier = GpuTier.openCuda(0, 4L * size, EvictionGuard.ALWAYS)) {
            CudaDeviceMemory memory = (CudaDeviceMemory) tier.deviceMemory();
            ByteBuffer pinnedSrc = memory.allocatePinned(size);
            ByteBuffer pinnedDst = memory.allocatePinned(size);
            try {
                pinnedSrc.put(block).flip();
                tierRows(s, log, out, tier, "", pinnedSrc, pinnedDst, block, sum);
                tierRows(s, log, out, tier, "-staged", ByteBuffer.allocateDirect(size).put(block).flip(),
                    ByteBuffer.allocateDirect(size), block, sum);
            } finally {
                memory.freePinned(pinnedSrc);
                memory.freePinned(pinnedDst);
            }
        }
    }

    private static void tierRows(BenchSettings s, PrintStream log, Consumer<BenchRow> out, GpuTier tier, String kind,
                                 ByteBuffer src, ByteBuffer dst, byte[] block, int sum) throws Exception {
        int size = block.length;
        out.accept(copyRow(s, log, "kvgrid-gpu", "h2d" + kind, size, () -> {
            if (!tier.put("bench-h2d", src, sum))
                throw new IllegalStateException("the GPU tier refused a " + size + "-byte block");
        }, () -> { }));
        out.accept(copyRow(s, log, "kvgrid-gpu", "d2h" + kind, size, () -> {
            dst.clear();
            if (tier.read("bench-h2d", dst) != size)
                throw new IllegalStateException("the GPU tier lost its block");
        }, () -> sameEnds(dst, block, "the GPU tier")));
    }

    /** A row of {@code copy} calls of {@code size} bytes each, {@code verify} run after each, untimed. */
    private static BenchRow copyRow(BenchSettings s, PrintStream log, String system, String op, int size,
                                    Runnable copy, Runnable verify) throws Exception {
        log(log, system + " " + op, size);
        return row(system, op, size, Measure.repeat(s, round -> Measure.run(warmup(s, round), s.measureMillis(),
            s.readOps(), 1, new Measure.Op() {
                public long run(int i) {
                    copy.run();
                    return size;
                }

                public void check(int i) {
                    verify.run();
                }
            })));
    }

    /** Throws unless the first and last byte of {@code copied} are those of {@code block}. */
    private static void sameEnds(ByteBuffer copied, byte[] block, String by) {
        if (copied.get(0) != block[0] || copied.get(block.length - 1) != block[block.length - 1])
            throw new IllegalStateException(by + " returned other bytes");
    }

    /**
     * One node with tiers gpu (cuda:0), memory: 64 blocks pinned in the GPU tier and 64 only in memory, each set
     * loaded into 64 device buffers per operation; every round's last load is copied back and compared. The GPU tier
     * holds the pinned blocks and no more: read twice, the others would come up to it too (a first run on an H200 had
     * load-memory at 62 GB/s, above the link's 54), and afterwards the row checks that none did.
     */
    private static void loads(BenchSettings s, PrintStream log, Consumer<BenchRow> out) throws Exception {
        long gpuBytes = (long) LOAD_BLOCKS * LOAD_BLOCK_BYTES;
        KvGridConfiguration cfg = BenchServer.kvgridConfig(1L << 30);
        cfg.setTiers(List.of(new GpuTierFactory().setDevice("cuda:0").setCapacityBytes(gpuBytes),
            KvGridConfiguration.MEMORY));
        try (BenchTargets.KvGrid kv = new BenchTargets.KvGrid(1, 1L << 30, cfg);
             CudaDeviceMemory buffers = CudaDeviceMemory.open(0)) {
            BlockStore store = kv.store;
            List<String> onGpu = new ArrayList<>();
            List<String> inMemory = new ArrayList<>();
            byte[][] blocks = new byte[LOAD_BLOCKS][];
            for (int i = 0; i < LOAD_BLOCKS; i++) {
                blocks[i] = block(LOAD_BLOCK_BYTES, 100 + i);
                onGpu.add("bench-gpu-" + i);
                inMemory.add("bench-mem-" + i);
                store.put(onGpu.get(i), blocks[i], PutOptions.builder().gpuPin().build());
                store.put(inMemory.get(i), blocks[i]);
            }
            long[] handles = new long[LOAD_BLOCKS];
            DeviceBuffer[] targets = new DeviceBuffer[LOAD_BLOCKS];
            for (int i = 0; i < LOAD_BLOCKS; i++) {
                handles[i] = buffers.allocate(LOAD_BLOCK_BYTES);
                targets[i] = new DeviceBuffer(buffers.deviceName(), buffers.address(handles[i]), LOAD_BLOCK_BYTES);
            }
            int[] shards = new int[LOAD_BLOCKS];
            ByteBuffer back = ByteBuffer.allocateDirect(LOAD_BLOCK_BYTES);
            for (String op : List.of("load-gpu", "load-memory")) {
                List<String> ids = op.equals("load-gpu") ? onGpu : inMemory;
                log(log, "kvgrid " + op + "(" + LOAD_BLOCKS + ")", LOAD_BLOCK_BYTES);
                Measure.Repeated r = Measure.repeat(s, round -> Measure.run(warmup(s, round), s.measureMillis(),
                    Math.max(1, s.readOps() / LOAD_BLOCKS), 1, new Measure.Op() {
                        public long run(int i) {
                            store.load(ids, shards, targets).await();
                            return (long) LOAD_BLOCKS * LOAD_BLOCK_BYTES;
                        }

                        public void check(int i) {
                            int j = i % LOAD_BLOCKS;
                            back.clear();
                            buffers.copyToHost(handles[j], back, LOAD_BLOCK_BYTES);
                            byte[] got = new byte[LOAD_BLOCK_BYTES];
                            back.get(got);
                            if (!Arrays.equals(got, blocks[j]))
                                throw new IllegalStateException(op + " wrote other bytes into buffer " + j);
                        }
                    }));
                if (op.equals("load-memory") && ids.stream().anyMatch(id ->
                        store.query(id).orElseThrow().tiers().contains(io.kvgrid.Tier.GPU)))
                    throw new IllegalStateException("load-memory was served from the GPU tier");
                out.accept(row("kvgrid", op, LOAD_BLOCK_BYTES, r));
            }
        }
    }

    private static byte[] block(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static long warmup(BenchSettings s, int round) {
        return round == 0 ? s.warmupMillis() : 0;
    }

    private static BenchRow row(String system, String op, int blockBytes, Measure.Repeated r) {
        Measure.Result m = r.median();
        return new BenchRow(system, op, blockBytes, 1, m.gbPerSec(), m.p50Ms(), m.opsPerSec(), m.p99Ms(), false, 1, 1,
            r.rounds(), r.stable());
    }

    private static void log(PrintStream log, String what, int blockBytes) {
        if (log != null)
            log.printf("bench: %s %s on 1 node%n", what, TextTable.bytes(blockBytes));
    }
}
