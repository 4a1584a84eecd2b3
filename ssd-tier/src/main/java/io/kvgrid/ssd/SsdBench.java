package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Spill and restore bandwidth of the SSD tier with 1 MiB blocks, against sequential O_DIRECT {@code dd} on the same
 * directory in the same run (the baseline). Spill time covers every {@code put} (CRC32C, write) and one final
 * fdatasync; before the restore the data file's pages are evicted from the page cache
 * ({@code dd iflag=nocache count=0}, i.e. posix_fadvise DONTNEED), so restores come from the device. Each figure is
 * the median over {@code rounds}, every round on a fresh tier. Not a test: run it with {@code kvgrid bench} or
 * {@link #main(String[])}; needs GNU dd.
 *
 * <pre>{@code
 * SsdBench.Result r = SsdBench.run(Path.of("/mnt/nvme0/bench"), 1024, 5, true, false);
 * System.out.println(r);   // 1024 x 1 MiB, 5 rounds, O_DIRECT: spill ... MB/s (0.9x dd ...), restore ...
 * assert r.spillRatio() >= 0.8 && r.restoreRatio() >= 0.8;
 * }</pre>
 */
public final class SsdBench {
    private static final int BLOCK = 1 << 20;
    private static final Pattern DD = Pattern.compile("(\\d+) bytes .*copied, ([0-9.]+) s");

    private SsdBench() {
    }

    /**
     * Figures of one bench run: medians over the rounds, bandwidths in MB/s (10^6 bytes per second, as dd prints
     * them). The ratios are medians of the per-round ratios (each round measures dd and the tier back to back, so
     * load from other processes hits both alike).
     *
     * <pre>{@code
     * SsdBench.Result r = SsdBench.run(dir, 512, 5, true, false);
     * if (r.spillRatio() < 0.8) System.err.println("spill slower than 0.8x dd: " + r);
     * }</pre>
     *
     * @param blocks       1 MiB blocks spilled and restored per round
     * @param rounds       rounds measured
     * @param directIo     whether the tier used O_DIRECT
     * @param preallocate  whether the tier's data file was zero-filled before the first spill (untimed)
     * @param spillMBps    SsdTier put bandwidth into an empty tier (first fill, including the final fdatasync)
     * @param steadyMBps   SsdTier put bandwidth into a full tier: each put drops the least recently used block and
     *                     reuses its extent (the steady state of a spill tier)
     * @param restoreMBps  SsdTier read bandwidth from the device (page cache evicted first)
     * @param ddWriteMBps  {@code dd if=/dev/zero bs=1M oflag=direct conv=notrunc}, into a file zero-filled ahead
     *                     (untimed) when {@code preallocate}, as the tier's is
     * @param ddReadMBps   {@code dd of=/dev/null bs=1M iflag=direct}
     * @param spillRatio   spill / dd write
     * @param steadyRatio  steady / dd write
     * @param restoreRatio restore / dd read
     */
    public record Result(int blocks, int rounds, boolean directIo, boolean preallocate, double spillMBps, double steadyMBps,
                         double restoreMBps, double ddWriteMBps, double ddReadMBps, double spillRatio,
                         double steadyRatio, double restoreRatio) {
        @Override
        public String toString() {
            return String.format("%d x 1 MiB, %d rounds, %s: spill %.0f MB/s (%.2fx dd write %.0f), steady spill "
                    + "%.0f MB/s (%.2fx), restore %.0f MB/s (%.2fx dd read %.0f)", blocks, rounds,
                (directIo ? "O_DIRECT" : "buffered") + (preallocate ? " preallocated" : " sparse"), spillMBps, spillRatio, ddWriteMBps, steadyMBps, steadyRatio,
                restoreMBps, restoreRatio, ddReadMBps);
        }
    }

    /**
     * Runs the bench in a fresh subdirectory of {@code dir} (deleted afterwards).
     *
     * @throws KvGridException INVALID_ARGUMENT for blocks or rounds below 1; INTERNAL when dd fails
     */
    public static Result run(Path dir, int blocks, int rounds, boolean directIo, boolean preallocate) throws IOException, InterruptedException {
        if (blocks < 1)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "blocks", "must be at least 1, was " + blocks);
        if (rounds < 1)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "rounds", "must be at least 1, was " + rounds);
        Path work = Files.createDirectories(dir).resolve("ssd-bench-" + ProcessHandle.current().pid());
        Files.createDirectories(work);
        ByteBuffer[] payloads = new ByteBuffer[4];
        int[] crcs = new int[payloads.length];
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < payloads.length; i++) {
            byte[] b = new byte[BLOCK];
            rnd.nextBytes(b);
            payloads[i] = aligned().put(b).flip();
            CRC32C c = new CRC32C();
            c.update(b);
            crcs[i] = (int) c.getValue();
        }
        double[][] m = new double[8][rounds]; // ddW, ddR, spill, restore, spill/ddW, restore/ddR, steady, steady/ddW
        long bytes = (long) blocks * BLOCK;
        try {
            for (int round = 0; round < rounds; round++) {
                Path ddFile = work.resolve("ddtest");
                Path tierDir = work.resolve("tier");
                double[] tier = new double[3];
                if (round % 2 == 1)   // alternate who goes first, so drift in background load hits both alike
                    tier = spillAndRestore(tierDir, blocks, directIo, preallocate, payloads, crcs);
                // dd writes into the same kind of file the tier writes into: zero-filled ahead (untimed) when the tier
                // preallocates, so neither pays for block allocation in the file system during the timed writes.
                if (preallocate)
                    dd("if=/dev/zero", "of=" + ddFile, "bs=1M", "count=" + blocks, "conv=fsync");
                m[0][round] = dd("if=/dev/zero", "of=" + ddFile, "bs=1M", "count=" + blocks, "oflag=direct",
                    "conv=notrunc");
                m[1][round] = dd("if=" + ddFile, "of=/dev/null", "bs=1M", "iflag=direct");
                Files.delete(ddFile);
                if (round % 2 == 0)
                    tier = spillAndRestore(tierDir, blocks, directIo, preallocate, payloads, crcs);
                m[2][round] = mbps(bytes, (long) tier[0]);
                m[3][round] = mbps(bytes, (long) tier[1]);
                m[4][round] = m[2][round] / m[0][round];
                m[5][round] = m[3][round] / m[1][round];
                m[6][round] = mbps(bytes, (long) tier[2]);
                m[7][round] = m[6][round] / m[0][round];
            }
        } finally {
            deleteTree(work);
        }
        return new Result(blocks, rounds, directIo, preallocate, median(m[2]), median(m[6]), median(m[3]), median(m[0]),
            median(m[1]), median(m[4]), median(m[7]), median(m[5]));
    }

    /**
     * One fresh tier: fill it, spill as many blocks again (each dropping the oldest), evict the file from the page
     * cache and restore the second generation; returns the nanos of fill, restore and steady spill.
     */
    private static double[] spillAndRestore(Path tierDir, int blocks, boolean directIo, boolean preallocate,
                                            ByteBuffer[] payloads,
                                            int[] crcs) throws IOException, InterruptedException {
        double[] nanos = new double[3];
        try (SsdTier ssd = SsdTier.open(new SsdTierConfig().setDirectory(tierDir)
            .setCapacityBytes((long) blocks * BLOCK).setDirectIo(directIo).setPreallocate(preallocate))) {
            long t0 = System.nanoTime();
            for (int i = 0; i < blocks; i++)
                if (!ssd.put("b" + i, payloads[i % payloads.length], crcs[i % payloads.length]))
                    throw new IllegalStateException("bench block b" + i + " refused");
            ssd.force();
            nanos[0] = System.nanoTime() - t0;

            t0 = System.nanoTime();
            for (int i = 0; i < blocks; i++)
                if (!ssd.put("c" + i, payloads[(i + 1) % payloads.length], crcs[(i + 1) % payloads.length]))
                    throw new IllegalStateException("bench block c" + i + " refused");
            ssd.force();
            nanos[2] = System.nanoTime() - t0;

            dd("if=" + tierDir.resolve(SsdTier.DATA_FILE), "iflag=nocache", "count=0");
            ByteBuffer into = aligned();
            t0 = System.nanoTime();
            for (int i = 0; i < blocks; i++) {
                into.clear();
                if (ssd.read("c" + i, into) != BLOCK)
                    throw new IllegalStateException("bench block c" + i + " missing");
            }
            nanos[1] = System.nanoTime() - t0;
            into.flip();
            if (!into.equals(payloads[blocks % payloads.length]))
                throw new IllegalStateException("restored bytes differ");
        }
        deleteTree(tierDir);
        return nanos;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** {@code SsdBench DIR [BLOCKS=1024] [ROUNDS=5]}: prints O_DIRECT (default), O_DIRECT with a preallocated file, and buffered figures. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: SsdBench DIR [BLOCKS=1024] [ROUNDS=5]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        System.out.println(run(dir, blocks, rounds, true, false));
        System.out.println(run(dir, blocks, rounds, true, true));
        System.out.println(run(dir, blocks, rounds, false, false));
    }

    /** A page-aligned direct 1 MiB buffer, as pinned host buffers of an inference engine are. */
    private static ByteBuffer aligned() {
        return ByteBuffer.allocateDirect(BLOCK + BlockFile.ALIGN).alignedSlice(BlockFile.ALIGN);
    }

    private static double mbps(long bytes, long nanos) {
        return bytes * 1e3 / nanos;
    }

    /** Runs GNU dd; returns its bandwidth in MB/s parsed from its summary line. */
    private static double dd(String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of("dd"), Stream.of(args)).toList());
        pb.environment().put("LC_ALL", "C");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0)
            throw new KvGridException(ErrorCode.INTERNAL, "dd " + List.of(args) + " failed: " + out);
        Matcher m = DD.matcher(out);
        if (!m.find())
            return 0;
        double secs = Double.parseDouble(m.group(2));
        return secs <= 0 ? 0 : Long.parseLong(m.group(1)) / secs / 1e6;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p))
            return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(q);
        }
    }
}
