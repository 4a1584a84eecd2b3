package io.kvgrid.examples;

/**
 * The bytes of block {@code fill-<seed>-<index>} as {@code kvgrid fill} writes them and {@code kvgrid check} expects
 * them: a pure function of seed, index and size, so that any process, on any JDK, derives the same block.
 *
 * <p>Derivation (SplitMix64, the generator behind {@code java.util.SplittableRandom}, written out here because
 * {@code SplittableRandom} only promises the same sequence within one program): the block's state is
 * {@code s = mix(mix(seed) + index)}; its 8-byte word {@code w} (from 0) is {@code mix(s + (w + 1) * GAMMA)},
 * stored little-endian; the last word is cut to the block's size. {@code mix} is SplitMix64's finalizer
 * ({@code z ^= z >>> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >>> 27; z *= 0x94d049bb133111eb; z ^= z >>> 31}) and
 * {@code GAMMA} is {@code 0x9e3779b97f4a7c15}.
 *
 * <pre>{@code
 * byte[] b = FillPayload.bytes(0, 17, 10240);   // what 'kvgrid fill --seed 0' stores as fill-0-17
 * }</pre>
 */
final class FillPayload {
    private static final long GAMMA = 0x9e3779b97f4a7c15L;

    private FillPayload() {
    }

    /** The key of block {@code index} of a fill with {@code seed}. */
    static String key(long seed, long index) {
        return "fill-" + seed + "-" + index;
    }

    static byte[] bytes(long seed, long index, int size) {
        byte[] out = new byte[size];
        long s = mix(mix(seed) + index);
        for (int pos = 0, w = 1; pos < size; pos += 8, w++) {
            long v = mix(s + w * GAMMA);
            for (int b = 0; b < 8 && pos + b < size; b++, v >>>= 8)
                out[pos + b] = (byte) v;
        }
        return out;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
