package io.kvgrid.ssd;

import io.kvgrid.testing.Payload;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers for the SSD tier tests: deterministic payloads (bytes follow from key and size) and their CRC32C. */
final class Blocks {
    static final int KIB_64 = 64 * 1024;

    private Blocks() {
    }

    static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 0, b.length);
        return (int) c.getValue();
    }

    /** Puts the deterministic payload of {@code key} with {@code size} bytes from a direct buffer. */
    static boolean put(SsdTier ssd, String key, int size) {
        byte[] b = Payload.of(key, size);
        return ssd.put(key, Payload.direct(b), crc(b));
    }

    static void assertStored(SsdTier ssd, String key, int size) {
        assertEquals(size, ssd.size(key), "size of " + key);
        Payload.assertPayload(key, size, ssd.get(key));
    }

    static List<String> keys(SsdTier ssd) {
        List<String> out = new ArrayList<>();
        ssd.forEachKey(out::add);
        return out;
    }

    static SsdTierConfig config(Path dir, long capacity) {
        return new SsdTierConfig().setDirectory(dir).setCapacityBytes(capacity);
    }

    static void assertBytes(byte[] expected, ByteBuffer buf, int from) {
        byte[] got = new byte[expected.length];
        buf.duplicate().position(from).get(got);
        assertArrayEquals(expected, got);
    }

    static void assertAllZero(ByteBuffer buf, int from, int len) {
        for (int i = from; i < from + len; i++)
            assertTrue(buf.get(i) == 0, "byte " + i + " should be zero, was " + buf.get(i));
    }
}
