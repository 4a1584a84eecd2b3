package io.kvgrid.gpu;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * CRC32C of byte buffers, and the CRC32C of two pieces' concatenation from the pieces' own (zlib's
 * {@code crc32_combine} over the Castagnoli polynomial): copies split into chunks checksum each chunk on the thread
 * that copies it, while it is in that core's cache, and put the sums together in order afterwards.
 */
final class Crc32c {
    /** The reflected Castagnoli polynomial. */
    private static final int POLY = 0x82F63B78;
    private static final Map<Long, int[]> SHIFTS = new ConcurrentHashMap<>();

    private Crc32c() {
    }

    /** The CRC32C of the remaining bytes of {@code bytes}; its position is unchanged. */
    static int of(ByteBuffer bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes.duplicate());
        return (int) c.getValue();
    }

    /** The CRC32C of A followed by B, from A's, B's and B's length. */
    static int combine(int crcA, int crcB, long lengthB) {
        return lengthB <= 0 ? crcA : apply(shift(lengthB), crcA) ^ crcB;
    }

    /**
     * The operator that moves a CRC past {@code length} zero bytes (as a 32x32 bit matrix, one column per int):
     * {@code combine(a, b, length) == apply(shift(length), a) ^ b}. Remembered per length (a few hundred at most):
     * making one costs tens of microseconds, and transfers of one block size ask for the same few every time.
     */
    static int[] shift(long length) {
        if (SHIFTS.size() > 256)
            SHIFTS.clear();
        return SHIFTS.computeIfAbsent(length, Crc32c::makeShift);
    }

    private static int[] makeShift(long length) {
        int[] odd = new int[32];                 // the operator for one zero bit
        odd[0] = POLY;
        for (int n = 1, row = 1; n < 32; n++, row <<= 1)
            odd[n] = row;
        int[] even = square(odd);                // two zero bits
        odd = square(even);                      // four zero bits
        int[] result = null;
        long len = length;
        while (len != 0) {                       // one zero byte is eight bits: square from there on
            even = square(odd);
            if ((len & 1) != 0)
                result = result == null ? even : compose(even, result);
            len >>>= 1;
            if (len == 0)
                break;
            odd = square(even);
            if ((len & 1) != 0)
                result = result == null ? odd : compose(odd, result);
            len >>>= 1;
        }
        return result == null ? identity() : result;
    }

    /** The operator applied to {@code crc}. */
    static int apply(int[] op, int crc) {
        int sum = 0;
        for (int i = 0; crc != 0; i++, crc >>>= 1)
            if ((crc & 1) != 0)
                sum ^= op[i];
        return sum;
    }

    private static int[] square(int[] op) {
        return compose(op, op);
    }

    /** {@code outer} after {@code inner}. */
    private static int[] compose(int[] outer, int[] inner) {
        int[] out = new int[32];
        for (int n = 0; n < 32; n++)
            out[n] = apply(outer, inner[n]);
        return out;
    }

    private static int[] identity() {
        int[] id = new int[32];
        for (int n = 0; n < 32; n++)
            id[n] = 1 << n;
        return id;
    }
}
