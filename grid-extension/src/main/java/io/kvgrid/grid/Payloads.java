package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.CRC32C;

/** Assembling payloads from caller buffers (one copy, positions untouched) and their CRC32C. */
public final class Payloads {
    private Payloads() {
    }

    /** Total remaining bytes of {@code parts}; INVALID_ARGUMENT when over {@code max}. */
    public static int totalSize(List<ByteBuffer> parts, int max, String arg) {
        Args.nonNull(parts, arg);
        long total = 0;
        for (int i = 0; i < parts.size(); i++)
            total += Args.nonNull(parts.get(i), arg + "[" + i + "]").remaining();
        if (total > max)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, arg,
                "block of " + total + " bytes exceeds maxBlockBytes " + max);
        return (int) total;
    }

    /**
     * The block as one array for Ignite. A single heap buffer spanning its whole array is used as it is: Ignite
     * copies the value into its pages (or onto the wire) before put returns and keeps no reference, so a copy here
     * would be a second one.
     */
    public static byte[] asArray(List<ByteBuffer> parts, int total) {
        if (parts.size() == 1) {
            ByteBuffer b = parts.get(0);
            if (b.hasArray() && !b.isReadOnly() && b.arrayOffset() == 0 && b.position() == 0
                && b.remaining() == b.array().length)
                return b.array();
        }
        return concat(parts, total);
    }

    /** Copies the remaining bytes of each part, in order, into one array. */
    static byte[] concat(List<ByteBuffer> parts, int total) {
        byte[] out = new byte[total];
        int off = 0;
        for (ByteBuffer p : parts) {
            int n = p.remaining();
            p.duplicate().get(out, off, n);
            off += n;
        }
        return out;
    }

    static int crc(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes, 0, bytes.length);
        return (int) c.getValue();
    }

    static int crc(ByteBuffer buf) {
        CRC32C c = new CRC32C();
        c.update(buf.duplicate());
        return (int) c.getValue();
    }
}
