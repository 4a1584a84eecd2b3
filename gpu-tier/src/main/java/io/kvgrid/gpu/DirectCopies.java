package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import static io.kvgrid.gpu.CudaDeviceMemory.at;
import static io.kvgrid.gpu.CudaDeviceMemory.check;

/**
 * Copies between the device and a caller's buffer that is already pinned ({@link PinnedHost}): no staging copy, the
 * device's copy engine reads or writes the caller's bytes itself while the host checksums them, beside the copy going
 * out, piece by piece behind it coming in. Used holding the device memory's transfer lock, with its context current.
 */
final class DirectCopies {
    /** Pieces a checksummed copy in is cut into at least this big: each piece is a copy, an event and a wait. */
    private static final int PIECE = 256 << 10;

    private final CUstream stream;
    private final CUevent[] events;
    private final Executor workers;
    private final long largeFrom;

    /** @param largeFrom transfers of this many bytes or more have their checksums taken by {@code workers} */
    DirectCopies(CUstream stream, CUevent[] events, Executor workers, long largeFrom) {
        this.stream = stream;
        this.events = events;
        this.workers = workers;
        this.largeFrom = largeFrom;
    }

    /** The remaining bytes of pinned {@code src} (at {@code from}) to {@code dstAddress}; their CRC32C if asked. */
    int toDevice(Pointer from, ByteBuffer src, long dstAddress, boolean checksum) {
        int n = src.remaining();
        check(JCudaDriver.cuMemcpyHtoDAsync(at(dstAddress), from, n, stream), ErrorCode.INTERNAL, "cuMemcpyHtoDAsync");
        List<CompletableFuture<Integer>> sums = new ArrayList<>();
        try {
            if (!checksum)
                return 0;
            if (n < largeFrom)
                return Crc32c.of(src);                  // on this thread, while the device copies
            int pieces = pieces(n);
            int piece = pieceBytes(n, pieces);
            for (int i = 0; i < pieces; i++)
                sums.add(sum(src, i * piece, Math.min(piece, n - i * piece), n));
            return combine(sums, piece, n);
        } finally {
            settle(sums);
        }
    }

    /** {@code n} bytes at {@code srcAddress} into pinned {@code dst} (at {@code into}); their CRC32C if asked. */
    int toHost(long srcAddress, Pointer into, ByteBuffer dst, int n, boolean checksum) {
        int pieces = checksum ? pieces(n) : 1;
        int piece = pieceBytes(n, pieces);
        List<CompletableFuture<Integer>> sums = new ArrayList<>();
        try {
            for (int i = 0; i < pieces; i++) {
                long off = (long) i * piece;
                check(JCudaDriver.cuMemcpyDtoHAsync(into.withByteOffset(off), at(srcAddress + off),
                    Math.min(piece, n - off), stream), ErrorCode.INTERNAL, "cuMemcpyDtoHAsync");
                check(JCudaDriver.cuEventRecord(events[i], stream), ErrorCode.INTERNAL, "cuEventRecord");
            }
            if (!checksum)
                return 0;
            for (int i = 0; i < pieces; i++) {          // each piece checksummed as soon as it has landed
                check(JCudaDriver.cuEventSynchronize(events[i]), ErrorCode.INTERNAL, "cuEventSynchronize");
                sums.add(sum(dst, i * piece, Math.min(piece, n - i * piece), n));
            }
            return combine(sums, piece, n);
        } finally {
            settle(sums);
        }
    }

    /** One piece per {@link #PIECE} bytes, at most one per event. */
    private int pieces(int n) {
        return Math.max(1, Math.min(events.length, n / PIECE));
    }

    private static int pieceBytes(int n, int pieces) {
        return (int) (((long) n + pieces - 1) / pieces);
    }

    private CompletableFuture<Integer> sum(ByteBuffer b, int offset, int length, int n) {
        int from = b.position() + offset;
        ByteBuffer part = b.duplicate().limit(from + length).position(from);
        return n < largeFrom ? CompletableFuture.completedFuture(Crc32c.of(part))
            : CompletableFuture.supplyAsync(() -> Crc32c.of(part), workers);
    }

    private static int combine(List<CompletableFuture<Integer>> sums, int piece, int n) {
        return Crc32c.ofPieces(sums.stream().mapToInt(CompletableFuture::join).toArray(), piece, n);
    }

    /** Before returning, even on failure: no worker still reads the caller's buffer, the device has finished. */
    private void settle(List<CompletableFuture<Integer>> sums) {
        for (CompletableFuture<Integer> f : sums) {
            try {
                f.join();
            } catch (CompletionException ignored) {
                // a checksum that failed is reported by combine() on the transfer's own path
            }
        }
        check(JCudaDriver.cuStreamSynchronize(stream), ErrorCode.INTERNAL, "cuStreamSynchronize");
    }
}
