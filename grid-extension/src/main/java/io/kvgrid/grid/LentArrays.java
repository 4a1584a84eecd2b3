package io.kvgrid.grid;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Payload arrays kept for reuse by a reader that is done with its blocks as soon as it has written them out (the
 * block channel's GET): a node serving 1 MiB gets otherwise allocates, zeroes and collects a 1 MiB array per get.
 *
 * <p>Arrays are kept by exact length, at most {@code maxBytes} in all; an array given back when the pool is full
 * takes the room of arrays of other lengths, so the pool follows the lengths being read; at most {@link #MAX_LENGTHS}
 * lengths are kept. Only arrays lent through a {@link Loan} go back, so an array that something else may still hold
 * (a block read from a lower tier, waiting to be promoted) is never handed out twice.
 */
final class LentArrays {
    /** Lengths kept at most: the pool is for the few block sizes a deployment reads, and is walked on each return. */
    static final int MAX_LENGTHS = 64;
    private final long maxBytes;
    private final Map<Integer, ConcurrentLinkedQueue<byte[]>> kept = new ConcurrentHashMap<>();
    private final AtomicLong keptBytes = new AtomicLong();

    LentArrays(long maxBytes) {
        if (maxBytes < 0)
            throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
        this.maxBytes = maxBytes;
    }

    /** A loan: arrays taken from it go back to the pool when it is closed, and must not be used after that. */
    Loan lend() {
        return new Loan();
    }

    /** Bytes of the arrays kept now. */
    long keptBytes() {
        return keptBytes.get();
    }

    private byte[] take(int length) {
        ConcurrentLinkedQueue<byte[]> q = kept.get(length);
        byte[] a = q == null ? null : q.poll();
        if (a == null)
            return new byte[length];
        keptBytes.addAndGet(-length);
        return a;
    }

    private void giveBack(byte[] a) {
        int length = a.length;
        if (length == 0 || length > maxBytes)
            return;
        ConcurrentLinkedQueue<byte[]> q = kept.get(length);
        if (q == null && kept.size() >= MAX_LENGTHS)
            return; // blocks of many sizes: the lengths kept first stay, this one is not kept (nor makes room)
        makeRoom(length);
        if (keptBytes.addAndGet(length) > maxBytes) {
            keptBytes.addAndGet(-length); // others gave back meanwhile: this one is left to the collector
            return;
        }
        (q != null ? q : kept.computeIfAbsent(length, x -> new ConcurrentLinkedQueue<>())).add(a);
    }

    /** Drops kept arrays of other lengths until {@code length} more bytes fit: the pool follows what is read now. */
    private void makeRoom(int length) {
        for (Map.Entry<Integer, ConcurrentLinkedQueue<byte[]>> e : kept.entrySet()) {
            if (e.getKey() == length)
                continue;
            for (byte[] old; keptBytes.get() + length > maxBytes && (old = e.getValue().poll()) != null; )
                keptBytes.addAndGet(-old.length);
        }
    }

    /** Arrays lent for one group of answers; {@link #apply} gives an array of exactly the length asked. */
    final class Loan implements IntFunction<byte[]>, AutoCloseable {
        private final List<byte[]> lent = new ArrayList<>();

        @Override
        public byte[] apply(int length) {
            byte[] a = take(length);
            lent.add(a);
            return a;
        }

        @Override
        public void close() {
            for (byte[] a : lent)
                giveBack(a);
            lent.clear();
        }
    }
}
