package io.kvgrid.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Deterministic payloads: the bytes of a block follow from its key and size, so any read can be verified. */
public final class Payload {
    private Payload() {
    }

    public static byte[] of(String key, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(Arrays.hashCode(key.getBytes(StandardCharsets.UTF_8)) * 31L + size).nextBytes(b);
        return b;
    }

    public static ByteBuffer direct(byte[] bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length);
        b.put(bytes).flip();
        return b;
    }

    public static void assertPayload(String key, int size, byte[] actual) {
        assertArrayEquals(of(key, size), actual, "payload of " + key);
    }

    /** The bytes between position 0 and {@code len} of a buffer (heap or direct). */
    public static byte[] bytes(ByteBuffer buf, int len) {
        byte[] out = new byte[len];
        buf.duplicate().position(0).get(out, 0, len);
        return out;
    }
}
