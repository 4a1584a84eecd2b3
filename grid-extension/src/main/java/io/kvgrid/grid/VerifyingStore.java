package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

/**
 * Checksum verification around a store: a payload whose CRC32C is not the one it comes with is refused on the way in;
 * a copy whose bytes no longer match the checksum recorded for them is dropped on the way out and reported as
 * CHECKSUM_MISMATCH, never returned.
 */
final class VerifyingStore extends ForwardingStore {
    private final Runnable onMismatch;

    /** {@code onMismatch}: told of every damaged copy found (a meter). */
    VerifyingStore(NodeStore inner, Runnable onMismatch) {
        super(inner);
        this.onMismatch = onMismatch;
    }

    @Override
    public boolean put(String key, byte[] payload, int crc) {
        if (Payloads.crc(payload) != crc)
            throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "payload",
                "0x" + Integer.toHexString(crc) + " is not the CRC32C of the " + payload.length + " bytes of " + key);
        return inner.put(key, payload, crc);
    }

    @Override
    public byte[] get(String key) {
        long expected = inner.checksum(key);
        byte[] b;
        try {
            b = inner.get(key);
        } catch (KvGridException e) {
            if (e.code() == ErrorCode.CHECKSUM_MISMATCH)
                onMismatch.run();
            throw e;
        }
        if (b == null || expected < 0 || Payloads.crc(b) == (int) expected)
            return b;
        inner.remove(key);
        onMismatch.run();
        throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "key",
            "copy of " + key + " does not match its CRC32C; the copy was dropped");
    }
}
