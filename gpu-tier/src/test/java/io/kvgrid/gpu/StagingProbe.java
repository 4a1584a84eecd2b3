package io.kvgrid.gpu;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Measures {@link CudaStaging}'s choices against each other on a GPU (gpu-tier/device/run-on-gpu.sh runs it, its
 * figures are in gpu-tier/README.md): GB/s of checksummed copies of 1 MiB and 32 MiB blocks each way, per chunk size
 * and worker count. Not a test: a probe for the one run a lent GPU allows.
 */
final class StagingProbe {
    private StagingProbe() {
    }

    public static void main(String[] args) {
        try (CudaDeviceMemory m = CudaDeviceMemory.open(0)) {
            System.out.println("chunk_KiB workers block_KiB h2d_GBps d2h_GBps");
            for (int chunk : new int[] {256 << 10, 1 << 20, 2 << 20})
                for (int workers : new int[] {1, 4, 8, 12})
                    for (int size : new int[] {1 << 20, 32 << 20})
                        probe(m, chunk, workers, size);
        }
    }

    private static void probe(CudaDeviceMemory m, int chunk, int workers, int size) {
        long h = m.allocate(size);                       // also makes the device's context current here
        byte[] bytes = new byte[size];
        new SplittableRandom(size).nextBytes(bytes);
        ByteBuffer src = ByteBuffer.allocateDirect(size).put(bytes).flip();
        ByteBuffer dst = ByteBuffer.allocateDirect(size);
        int want = Crc32c.of(src);
        try (CudaStaging staging = new CudaStaging(0, chunk, workers, workers == 1 ? Long.MAX_VALUE : 0)) {
            StagedCopies copies = staging.copies(size);
            long addr = m.address(h);
            double in = rate(size, () -> check(want, copies.toDevice(src, addr, true)));
            double out = rate(size, () -> check(want, copies.toHost(addr, dst, size, true)));
            System.out.printf("%d %d %d %.2f %.2f%n", chunk >> 10, workers, size >> 10, in, out);
        } finally {
            m.free(h);
        }
    }

    private static void check(int want, int got) {
        if (want != got)
            throw new IllegalStateException("CRC32C " + got + ", wanted " + want);
    }

    /** GB/s of {@code copy} over 300 ms after 100 ms of warm-up, at most 20,000 copies each. */
    private static double rate(int size, Runnable copy) {
        for (long end = System.nanoTime() + 100_000_000L, i = 0; System.nanoTime() < end && i < 20_000; i++)
            copy.run();
        long start = System.nanoTime();
        long n = 0;
        for (long end = start + 300_000_000L; System.nanoTime() < end && n < 20_000; n++)
            copy.run();
        return (double) n * size / (System.nanoTime() - start);
    }
}
