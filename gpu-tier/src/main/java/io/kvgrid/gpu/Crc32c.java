package io.kvgrid.gpu;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C of byte buffers, and the CRC32C of pieces' concatenation from the pieces' own (zlib's {@code crc32_combine}
 * by powers of x modulo the Castagnoli polynomial): copies split into chunks checksum each chunk on the thread that
 * copies it, while it is in that core's cache, and put the sums together in order afterwards.
 */
final class Crc32c {
    /** The reflected Castagnoli polynomial. */
    private static final int POLY = 0x82F63B78;
    /** x^(2^k) modulo the polynomial, k = 0..31 (reflected): moving a CRC past n zero bits multiplies by x^n. */
    private static final int[] X2N = new int[32];

    static {
        int p = 1 << 30;                         // x^1
        X2N[0] = p;
        for (int k = 1; k < 32; k++)
            X2N[k] = p = apply(p, p);
    }

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
     * The operator that moves a CRC past {@code length} zero bytes, x^(8 length) modulo the polynomial:
     * {@code combine(a, b, length) == apply(shift(length), a) ^ b}. Chunks of one size share one.
     */
    static int shift(long length) {
        int p = 1 << 31;                         // x^0
        int k = 3;                               // a byte is 2^3 bits
        for (long n = length; n != 0; n >>>= 1, k++)
            if ((n & 1) != 0)
                p = apply(X2N[k & 31], p);
        return p;
    }

    /** {@code op} times {@code crc} modulo the polynomial (reflected bit order). */
    static int apply(int op, int crc) {
        int m = 1 << 31;
        int p = 0;
        int b = crc;
        while (true) {
            if ((op & m) != 0) {
                p ^= b;
                if ((op & (m - 1)) == 0)
                    return p;
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1;
            if (m == 0)
                return p;
        }
    }

    /**
     * The CRC32C of {@code n} bytes cut into pieces of {@code piece} bytes (the last one shorter), from the pieces'
     * sums in order.
     */
    static int ofPieces(int[] sums, int piece, long n) {
        int step = shift(piece);
        int total = sums[0];
        for (int i = 1; i < sums.length; i++) {
            long len = Math.min(piece, n - (long) i * piece);
            total = len == piece ? apply(step, total) ^ sums[i] : combine(total, sums[i], len);
        }
        return total;
    }
}
