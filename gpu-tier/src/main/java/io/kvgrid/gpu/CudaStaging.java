package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static io.kvgrid.gpu.CudaDeviceMemory.at;
import static io.kvgrid.gpu.CudaDeviceMemory.check;

/**
 * What one {@link CudaDeviceMemory} moves bytes with: {@value #STAGING_BYTES} bytes of pinned staging memory, its own
 * non-blocking CUDA stream with an event per slot, and the worker threads of the host side; used holding the device
 * memory's transfer lock, with its context current on the calling thread (the workers make no CUDA calls).
 *
 * <p>Two pipelines share the memory, one at a time, both in chunks of {@value #CHUNK} bytes. A transfer below
 * {@value #LARGE} bytes is one whose host side the caller does itself, filling (or draining) one chunk while the
 * device copies the one before. Larger ones go through the workers, all slots in flight. Measured on an H200
 * (2026-12-04): handing a 1 MiB block's quarters to parked workers cost more than it saved (9.3 -> 5.6 GB/s), and so
 * did cutting it into quarters for the caller (7.2 GB/s: each chunk is a few more driver calls of some microseconds).
 */
final class CudaStaging implements AutoCloseable {
    /** Staging slots of each pipeline, and events: chunks in flight between the host side and the copy engine. */
    static final int SLOTS = 16;
    /** Bytes of one slot: a chunk is still in its core's cache between its checksum and its copy. */
    static final int CHUNK = 1 << 20;
    /** Transfers of this many bytes or more go through the workers. */
    static final int LARGE = 4 << 20;
    /** Bytes of pinned staging memory. */
    static final int STAGING_BYTES = CHUNK * SLOTS;
    /** Host-side workers of a transfer: half the cores, 1 to 8 (with one, the caller does the host side itself). */
    private static final int WORKERS = Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));

    private final int chunk;
    private final long largeFrom;
    private final Pointer host = new Pointer();
    private final CUstream stream = new CUstream();
    private final CUevent[] events = new CUevent[SLOTS];
    private final ExecutorService workers;
    private final StagedCopies inline;
    private final StagedCopies pooled;
    private final DirectCopies direct;

    /** Allocates the pinned memory, the stream and its events; the context of the device must be current. */
    CudaStaging(int ordinal) {
        this(ordinal, CHUNK, WORKERS, LARGE);
    }

    /** With other chunk sizes, worker counts and thresholds: for measuring them against each other on a GPU. */
    CudaStaging(int ordinal, int chunk, int workerCount, long large) {
        this.chunk = chunk;
        this.largeFrom = large;
        check(JCudaDriver.cuMemAllocHost(host, (long) chunk * SLOTS), ErrorCode.NO_SPACE, "cuMemAllocHost");
        boolean streamMade = false;
        try {
            check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), ErrorCode.INTERNAL,
                "cuStreamCreate");
            streamMade = true;
            for (int i = 0; i < SLOTS; i++) {
                CUevent e = new CUevent();
                check(JCudaDriver.cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING), ErrorCode.INTERNAL,
                    "cuEventCreate");
                events[i] = e;
            }
        } catch (RuntimeException e) {
            release(streamMade);
            throw e;
        }
        Executor work = Runnable::run;
        if (workerCount > 1) {
            AtomicLong n = new AtomicLong();
            workers = Executors.newFixedThreadPool(workerCount, r -> {
                Thread t = new Thread(r, "kvgrid-gpu-copy-" + ordinal + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            work = workers;
        } else {
            workers = null;
        }
        inline = pipeline(Runnable::run, 1);
        pooled = pipeline(work, workers == null ? 1 : SLOTS - 1);
        direct = new DirectCopies(stream, events, work, large);
    }

    private StagedCopies pipeline(Executor work, int ahead) {
        ByteBuffer all = host.getByteBuffer(0, (long) chunk * SLOTS);
        ByteBuffer[] slots = new ByteBuffer[SLOTS];
        Pointer[] slotPointers = new Pointer[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = all.duplicate().position(i * chunk).limit((i + 1) * chunk).slice();
            slotPointers[i] = host.withByteOffset((long) i * chunk);
        }
        return new StagedCopies(new StreamDma(slotPointers), slots, chunk, work, ahead);
    }

    /** The staging pipeline for a transfer of {@code bytes}. */
    StagedCopies copies(long bytes) {
        return bytes < largeFrom ? inline : pooled;
    }

    /**
     * The remaining bytes of {@code src} (position unchanged) to {@code dstAddress}: straight from it when it is a
     * pinned buffer of {@link PinnedHost}, through the staging slots otherwise. Their CRC32C when asked (else 0).
     */
    int toDevice(ByteBuffer src, long dstAddress, boolean checksum) {
        int n = src.remaining();
        Pointer pinned = n == 0 ? null : PinnedHost.at(src, n);
        return pinned != null ? direct.toDevice(pinned, src, dstAddress, checksum)
            : copies(n).toDevice(src, dstAddress, checksum);
    }

    /** {@code n} bytes at {@code srcAddress} into {@code dst} at its position, as {@link #toDevice} the other way. */
    int toHost(long srcAddress, ByteBuffer dst, int n, boolean checksum) {
        Pointer pinned = n == 0 ? null : PinnedHost.at(dst, n);
        return pinned != null ? direct.toHost(srcAddress, pinned, dst, n, checksum)
            : copies(n).toHost(srcAddress, dst, n, checksum);
    }

    /** A copy between two device addresses on the stream, waited for. */
    void onDevice(CUdeviceptr dst, CUdeviceptr src, long length) {
        check(JCudaDriver.cuMemcpyDtoDAsync(dst, src, length, stream), ErrorCode.INTERNAL, "cuMemcpyDtoDAsync");
        check(JCudaDriver.cuStreamSynchronize(stream), ErrorCode.INTERNAL, "cuStreamSynchronize");
    }

    @Override
    public void close() {
        if (workers != null)
            workers.shutdown();
        release(true);
    }

    private void release(boolean streamMade) {
        for (CUevent e : events)
            if (e != null)
                JCudaDriver.cuEventDestroy(e);
        if (streamMade)
            JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuMemFreeHost(host);
    }

    /** The device side of {@link StagedCopies}: the stream's asynchronous copies and one event per slot. */
    private final class StreamDma implements StagedCopies.Dma {
        private final Pointer[] slots;

        StreamDma(Pointer[] slots) {
            this.slots = slots;
        }

        @Override
        public void toDevice(int slot, long dstAddress, int length) {
            check(JCudaDriver.cuMemcpyHtoDAsync(at(dstAddress), slots[slot], length, stream), ErrorCode.INTERNAL,
                "cuMemcpyHtoDAsync");
        }

        @Override
        public void toHost(long srcAddress, int slot, int length) {
            check(JCudaDriver.cuMemcpyDtoHAsync(slots[slot], at(srcAddress), length, stream), ErrorCode.INTERNAL,
                "cuMemcpyDtoHAsync");
        }

        @Override
        public void mark(int slot) {
            check(JCudaDriver.cuEventRecord(events[slot], stream), ErrorCode.INTERNAL, "cuEventRecord");
        }

        @Override
        public void await(int slot) {
            check(JCudaDriver.cuEventSynchronize(events[slot]), ErrorCode.INTERNAL, "cuEventSynchronize");
        }

        @Override
        public void finish() {
            check(JCudaDriver.cuStreamSynchronize(stream), ErrorCode.INTERNAL, "cuStreamSynchronize");
        }
    }
}
