package io.kvgrid.gpu;

import io.kvgrid.testing.Payload;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Payloads and their checksums for the GPU tier tests. */
final class Blocks {
    private Blocks() {
    }

    static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    static boolean put(io.kvgrid.TierStore tier, String key, int size) {
        byte[] b = Payload.of(key, size);
        return tier.put(key, ByteBuffer.wrap(b), crc(b));
    }
}
