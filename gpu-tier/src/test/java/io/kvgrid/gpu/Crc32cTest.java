package io.kvgrid.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class Crc32cTest {
    private static ByteBuffer bytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    @Test
    void theSumsOfTwoPiecesCombineIntoTheSumOfTheWhole() {
        for (int total : new int[] {0, 1, 2, 7, 1_000, 65_536, 262_144 + 13}) {
            ByteBuffer all = bytes(total, total);
            for (int cut : new int[] {0, 1, total / 3, total / 2, total - 1, total}) {
                if (cut < 0 || cut > total)
                    continue;
                ByteBuffer a = all.duplicate().limit(cut);
                ByteBuffer b = all.duplicate().position(cut);
                assertEquals(Crc32c.of(all), Crc32c.combine(Crc32c.of(a), Crc32c.of(b), total - cut),
                    total + " bytes cut at " + cut);
            }
        }
    }

    @Test
    void oneShiftOperatorServesEveryChunkOfItsLength() {
        int chunk = 4_096;
        ByteBuffer all = bytes(10 * chunk + 123, 9);
        int shift = Crc32c.shift(chunk);
        int sum = Crc32c.of(all.duplicate().limit(chunk));
        for (int at = chunk; at < all.capacity(); at += chunk) {
            ByteBuffer piece = all.duplicate().position(at).limit(Math.min(at + chunk, all.capacity()));
            int len = piece.remaining();
            int s = Crc32c.of(piece);
            sum = len == chunk ? Crc32c.apply(shift, sum) ^ s : Crc32c.combine(sum, s, len);
        }
        assertEquals(Crc32c.of(all), sum);
        assertEquals(all.position(), 0, "the buffer's position is unchanged");
    }
}
