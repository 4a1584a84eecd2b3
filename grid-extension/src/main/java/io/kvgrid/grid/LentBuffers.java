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
 * direct buffers while the direct bytes out on loan stay within {@code maxBytes} (reserved before each allocation, so
 * racing readers cannot pass it together) and the JVM's direct memory is less than half spent, heap buffers
 * otherwise, so it holds at most twice {@code maxBytes} of direct memory. A direct buffer it does not keep is freed at once, not left to a
 * garbage collection that may be far off (a kept buffer lives in the old generation); no one else holds it: it was
 * either kept or lent, and a loan gives its buffers back when its reader is done with them.
 */
final class LentBuffers {
    /** Lengths kept at most: the pool is for the few block sizes a deployment reads, and is walked on each return. */
    static final int MAX_LENGTHS = 64;
    private static final long REFUSED_NANOS = 10_000_000_000L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LentBuffers.class);
    private final long maxBytes;
    private final boolean direct;
    private final Map<Integer, ConcurrentLinkedQueue<ByteBuffer>> kept = new ConcurrentHashMap<>();
    private final AtomicLong keptBytes = new AtomicLong();
    private final AtomicLong lentDirectBytes = new AtomicLong();
    /** Bytes of the direct buffers this pool made and has not freed: kept, on loan, or given back and not kept. */
    private final AtomicLong directBytes = new AtomicLong();
    /** {@link System#nanoTime} until which no direct buffer is allocated: the JVM refused one. */
    private volatile long refusedUntil = Long.MIN_VALUE;
    private volatile boolean closed;

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

    /** Bytes of the direct buffers this pool holds or has lent: at most twice its bound. */
    long directBytes() {
        return directBytes.get();
    }

    private ByteBuffer take(int length) {
        ConcurrentLinkedQueue<ByteBuffer> q = kept.get(length);
        ByteBuffer b = q == null ? null : q.poll();
        if (b != null) {
            keptBytes.addAndGet(-length);
            if (b.isDirect())
                lentDirectBytes.addAndGet(length);
            return b.clear();
        }
        return direct && reserveDirect(length) ? allocateDirect(length) : ByteBuffer.allocate(length);
    }

    /**
     * Takes {@code length} bytes of the direct bound for a new buffer; false (lend heap) when they would pass it, when
     * the JVM's direct memory is half spent, or for a while after the JVM refused some. The JVM's own refusal is no
     * way to find out: it first collects garbage and sleeps for up to half a second, and the caller reads under
     * Ignite's page and tree locks.
     */
    private boolean reserveDirect(int length) {
        if (System.nanoTime() < refusedUntil)
            return false;
        for (long cur; (cur = lentDirectBytes.get()) + length <= maxBytes; ) {
            if (lentDirectBytes.compareAndSet(cur, cur + length)) {
                if (DirectMemory.hasRoomFor(length)) // (asked of the JVM only once the pool's own bound allows it)
                    return true;
                lentDirectBytes.addAndGet(-length);
                return false;
            }
        }
        return false;
    }

    private ByteBuffer allocateDirect(int length) {
        try {
            ByteBuffer b = ByteBuffer.allocateDirect(length);
            directBytes.addAndGet(length);
            return b;
        } catch (OutOfMemoryError e) {
            lentDirectBytes.addAndGet(-length);
            refusedUntil = System.nanoTime() + REFUSED_NANOS;
            LOG.warn("kvgrid: block channel answers read into heap arrays for {} s: the JVM refused {} bytes of "
                + "direct memory ({})", REFUSED_NANOS / 1_000_000_000L, length, e.getMessage());
            return ByteBuffer.allocate(length);
        }
    }

    private void giveBack(ByteBuffer b) {
        boolean wasDirect = b.isDirect();
        if (!keep(b))
            drop(b);
        if (wasDirect) // after the buffer is freed or kept: a new one is made only once this one is accounted for
            lentDirectBytes.addAndGet(-b.capacity());
    }

    private boolean keep(ByteBuffer b) {
        int length = b.capacity();
        if (closed || length == 0 || length > maxBytes || b.isDirect() != direct)
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

    /**
     * Frees the buffers kept; buffers on loan are freed as they come back. For the server's close: a pool left to the
     * collector holds its direct memory until an old-generation collection.
     */
    void close() {
        closed = true;
        for (ConcurrentLinkedQueue<ByteBuffer> q : kept.values())
            for (ByteBuffer b; (b = q.poll()) != null; ) {
                keptBytes.addAndGet(-b.capacity());
                drop(b);
            }
    }

    private void drop(ByteBuffer b) {
        if (b.isDirect()) {
            GridUnsafe.cleanDirectBuffer(b);
            directBytes.addAndGet(-b.capacity());
        }
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

    /** The JVM's direct memory: how much it has reserved, against its limit. */
    static final class DirectMemory {
        private static final java.lang.management.BufferPoolMXBean POOL = java.lang.management.ManagementFactory
            .getPlatformMXBeans(java.lang.management.BufferPoolMXBean.class).stream()
            .filter(p -> p.getName().equals("direct")).findFirst().orElse(null);
        /** -XX:MaxDirectMemorySize, or the heap's maximum when it is not set (the JVM's default). */
        static final long MAX = max();

        private DirectMemory() {
        }

        /** Whether {@code bytes} more leave the JVM's direct memory at most half spent. */
        static boolean hasRoomFor(long bytes) {
            return POOL == null || POOL.getMemoryUsed() + bytes <= MAX / 2;
        }

        private static long max() {
            try {
                long v = Long.parseLong(java.lang.management.ManagementFactory
                    .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxDirectMemorySize").getValue());
                if (v > 0)
                    return v;
            } catch (RuntimeException | LinkageError e) {
                // not a HotSpot JVM: its default
            }
            return Runtime.getRuntime().maxMemory();
        }
    }
}
