package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;

/**
 * Assembling payloads from caller buffers (one copy, positions untouched), copying read blocks into caller buffers, and
 * their CRC32C.
 */
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

    /**
     * Blocks read as arrays, each copied into its caller's buffer from its position (advanced past the bytes): the
     * number of bytes, or the key's own error, or BUFFER_TOO_SMALL naming {@code bufferArg} with the buffer untouched.
     */
    public static List<KeyResult<Integer>> into(List<KeyResult<byte[]>> got, List<ByteBuffer> buffers,
                                                IntFunction<String> bufferArg) {
        List<KeyResult<Integer>> out = new ArrayList<>(got.size());
        for (int i = 0; i < got.size(); i++) {
            KeyResult<byte[]> g = got.get(i);
            ByteBuffer buf = buffers.get(i);
            if (!g.ok()) {
                out.add(KeyResult.failed(g.key(), g.error()));
            } else if (g.value().length > buf.remaining()) {
                out.add(KeyResult.failed(g.key(), tooSmall(g.key(), g.value().length, buf, bufferArg.apply(i))));
            } else {
                buf.put(g.value());
                out.add(KeyResult.ok(g.key(), g.value().length));
            }
        }
        return List.copyOf(out);
    }

    /** BUFFER_TOO_SMALL for block {@code key} of {@code size} bytes and buffer {@code arg}. */
    static KvGridException tooSmall(String key, long size, ByteBuffer buf, String arg) {
        return new KvGridException(ErrorCode.BUFFER_TOO_SMALL, arg,
            "block " + key + " has " + size + " bytes, buffer has " + buf.remaining() + " remaining");
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
