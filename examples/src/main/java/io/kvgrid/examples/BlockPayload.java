package io.kvgrid.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Payload bytes that follow from a block id alone, so every load can be checked without remembering what was dumped:
 * 8-byte words of a SplitMix64 stream seeded by the id.
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
        for (int i = 0; i < words; i++)
            b.putLong(word(id, i));
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
        for (int i = 0; i < words; i++)
            if (b.getLong(i << 3) != word(id, i))
                return false;
        long last = word(id, words);
        for (int i = words << 3; i < size; i++, last >>>= 8)
            if (b.get(i) != (byte) last)
                return false;
        return true;
    }

    private static long word(long id, int i) {
        long z = id * 0x9E3779B97F4A7C15L + (i + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
