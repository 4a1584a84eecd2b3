package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FillPayloadTest {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    /** SplitMix64's finalizer, taken from SplittableRandom: a generator seeded with z - GAMMA returns mix(z) first. */
    private static long mix(long z) {
        return new SplittableRandom(z - GAMMA).nextLong();
    }

    @Test
    void theBytesAreSplittableRandomsSeededAsTheJavadocSays() {
        for (long seed : new long[] {0, 1, -7, Long.MAX_VALUE}) {
            for (long index : new long[] {0, 1, 17, 199, 1L << 40}) {
                for (int size : new int[] {1, 7, 8, 9, 10240}) {
                    byte[] expected = new byte[size];
                    new SplittableRandom(mix(mix(seed) + index)).nextBytes(expected);
                    assertArrayEquals(expected, FillPayload.bytes(seed, index, size), seed + "/" + index + "/" + size);
                }
            }
        }
    }

    @Test
    void eachBlockDiffersAndAShorterBlockIsAPrefixOfALongerOne() {
        byte[] a = FillPayload.bytes(0, 1, 4096);
        assertFalse(Arrays.equals(a, FillPayload.bytes(0, 2, 4096)), "other index");
        assertFalse(Arrays.equals(a, FillPayload.bytes(1, 1, 4096)), "other seed");
        assertArrayEquals(Arrays.copyOf(a, 1000), FillPayload.bytes(0, 1, 1000));
        assertEquals("fill-3-42", FillPayload.key(3, 42));
        assertEquals("fill--3-42", FillPayload.key(-3, 42));
    }
}
