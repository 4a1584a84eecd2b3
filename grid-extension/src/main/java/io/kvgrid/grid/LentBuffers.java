package io.kvgrid.grid;

import org.apache.ignite.internal.util.GridUnsafe;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Payload buffers kept for reuse by a reader that is done with its blocks as soon as it has written them out (the
 * block channel's GET): a node serving 1 MiB gets otherwise allocates, zeroes and collects a 1 MiB array per get.
 *
 * <p>Buffers are kept by exact length, at most {@code maxBytes} in all; a buffer given back when the pool is full
 * takes the room of buffers of other lengths, so the pool follows the lengths being read; at most {@link #MAX_LENGTHS}
 * lengths are kept. Only buffers lent through a {@link Loan} go back, so a buffer that something else may still hold
 * (a block read from a lower tier, waiting to be promoted) is never handed out twice.
 *
 * <p>A direct pool (for a plaintext channel, whose socket writes a direct buffer without first copying it) lends
 * direct buffers while the direct bytes out on loan stay within {@code maxBytes}, heap buffers past that, so it holds
 * at most twice {@code maxBytes} of direct memory. A direct buffer it does not keep is freed at once, not left to a
 * garbage collection that may be far off (a kept buffer lives in the old generation); no one else holds it: it was
 * either kept or lent, and a loan gives its buffers back when its reader is done with them.
 */
final class LentBuffers {
    /** Lengths kept at most: the pool is for the few block sizes a deployment reads, and is walked on each return. */
    static final int MAX_LENGTHS = 64;
    private final long maxBytes;
    private final boolean direct;
    private final Map<Integer, ConcurrentLinkedQueue<ByteBuffer>> kept = new ConcurrentHashMap<>();
    private final AtomicLong keptBytes = new AtomicLong();
    private final AtomicLong lentDirectBytes = new AtomicLong();
    private volatile boolean directRefused;

    /** A pool of heap buffers ({@code direct} false) or of direct ones, keeping at most {@code maxBytes}. */
    LentBuffers(long maxBytes, boolean direct) {
        if (maxBytes < 0)
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        this.maxBytes = maxBytes;
        this.direct = direct;
    }

    /** A loan: buffers taken from it go back to the pool when it is closed, and must not be used after that. */
    Loan lend() {
        return new Loan();
    }

    /** Bytes of the buffers kept now. */
    long keptBytes() {
        return keptBytes.get();
    }

    /** Bytes of direct buffers out on loan now. */
    long lentDirectBytes() {
        return lentDirectBytes.get();
    }

    private ByteBuffer take(int length) {
        ConcurrentLinkedQueue<ByteBuffer> q = kept.get(length);
        ByteBuffer b = q == null ? null : q.poll();
        if (b != null) {
            keptBytes.addAndGet(-length);
        } else if (direct && !directRefused && lentDirectBytes.get() + length <= maxBytes) {
            try {
                b = ByteBuffer.allocateDirect(length);
            } catch (OutOfMemoryError e) {
                // The JVM's direct memory is spent (-XX:MaxDirectMemorySize): this pool lends heap arrays from now on.
                directRefused = true;
                return ByteBuffer.allocate(length);
            }
        } else {
            return ByteBuffer.allocate(length);
        }
        if (b.isDirect())
            lentDirectBytes.addAndGet(length);
        return b.clear();
    }

    private void giveBack(ByteBuffer b) {
        int length = b.capacity();
        if (b.isDirect())
            lentDirectBytes.addAndGet(-length);
        if (!keep(b))
            drop(b);
    }

    private boolean keep(ByteBuffer b) {
        int length = b.capacity();
        if (length == 0 || length > maxBytes || b.isDirect() != direct)
            return false;
        ConcurrentLinkedQueue<ByteBuffer> q = kept.get(length);
        if (q == null && kept.size() >= MAX_LENGTHS)
            return false; // blocks of many sizes: the lengths kept first stay, this one is not kept (nor makes room)
        makeRoom(length);
        if (keptBytes.addAndGet(length) > maxBytes) {
            keptBytes.addAndGet(-length); // others gave back meanwhile: this one is not kept
            return false;
        }
        (q != null ? q : kept.computeIfAbsent(length, x -> new ConcurrentLinkedQueue<>())).add(b);
        return true;
    }

    /** Drops kept buffers of other lengths until {@code length} more bytes fit: the pool follows what is read now. */
    private void makeRoom(int length) {
        for (Map.Entry<Integer, ConcurrentLinkedQueue<ByteBuffer>> e : kept.entrySet()) {
            if (e.getKey() == length)
                continue;
            for (ByteBuffer old; keptBytes.get() + length > maxBytes && (old = e.getValue().poll()) != null; ) {
                keptBytes.addAndGet(-old.capacity());
                drop(old);
            }
        }
    }

    private static void drop(ByteBuffer b) {
        if (b.isDirect())
            GridUnsafe.cleanDirectBuffer(b);
    }

    /**
     * Buffers lent for one group of answers; {@link #apply} gives a buffer of exactly the length asked, from position
     * 0 to its capacity.
     */
    final class Loan implements IntFunction<ByteBuffer>, AutoCloseable {
        private final List<ByteBuffer> lent = new ArrayList<>();

        @Override
        public ByteBuffer apply(int length) {
            ByteBuffer b = take(length);
            lent.add(b);
            return b;
        }

        @Override
        public void close() {
            for (ByteBuffer b : lent)
                giveBack(b);
            lent.clear();
        }
    }
}
