package io.kvgrid.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;

/**
 * Payload bytes that follow from a block id alone, so every load can be checked without remembering what was dumped:
 * 8-byte words {@code s + i * K}, {@code s} a SplitMix64 hash of the id, {@code K} odd. Every word differs from every
 * other of the block and (but for a 2^-64 chance) of any other block, and generating them costs an add per word: the
 * replay stands for an engine whose KV blocks already exist, so making them must not be what it measures.
 */
final class BlockPayload {
    private BlockPayload() {
    }

    /** The key kvgrid stores block {@code id} under. */
    static String key(long id) {
        return "blk-" + Long.toHexString(id);
    }

    /** Writes the {@code size} bytes of block {@code id} at the buffer's position and advances it. */
    static void fill(long id, ByteBuffer buf, int size) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int words = size >>> 3;
        long[] chunk = CHUNK.get();
        long s = seed(id);
        LongBuffer lb = b.asLongBuffer();
        for (int from = 0; from < words; from += chunk.length) {
            int n = Math.min(chunk.length, words - from);
            long w = s + from * STEP;
            for (int i = 0; i < n; i++, w += STEP)
                chunk[i] = w;
            lb.put(chunk, 0, n);
        }
        b.position(b.position() + (words << 3));
        long last = word(id, words);
        for (int i = words << 3; i < size; i++, last >>>= 8)
            b.put((byte) last);
        buf.position(buf.position() + size);
    }

    /** True when the {@code size} bytes from index 0 of {@code buf} are those of block {@code id}. */
    static boolean matches(long id, ByteBuffer buf, int size) {
        if (buf.capacity() < size)
            return false;
        ByteBuffer b = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int words = size >>> 3;
        long w = seed(id);
        for (int i = 0; i < words; i++, w += STEP)
            if (b.getLong(i << 3) != w)
                return false;
        long last = word(id, words);
        for (int i = words << 3; i < size; i++, last >>>= 8)
            if (b.get(i) != (byte) last)
                return false;
        return true;
    }

    private static final long STEP = 0x9E3779B97F4A7C15L;
    private static final ThreadLocal<long[]> CHUNK = ThreadLocal.withInitial(() -> new long[8192]);

    private static long word(long id, int i) {
        return seed(id) + i * STEP;
    }

    private static long seed(long id) {
        long z = id * 0x9E3779B97F4A7C15L + 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
