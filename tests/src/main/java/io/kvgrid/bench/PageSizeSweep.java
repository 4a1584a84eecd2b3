package io.kvgrid.bench;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures kvgrid put and get throughput on one embedded node for each Ignite page size, for 64 KiB and 1 MiB
 * blocks; the grid tier's default page size is the winner (figures in grid-extension/README.md).
 * Run: {@code java -cp ... io.kvgrid.bench.PageSizeSweep [totalMiB]}.
 */
public final class PageSizeSweep {
    private PageSizeSweep() {
    }

    public static void main(String[] args) {
        int totalMiB = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        System.out.printf("%-8s %-10s %10s %10s%n", "page", "block", "put GB/s", "get GB/s");
        for (int page : new int[] {4096, 8192, 16384, 32768}) {
            KvGridConfiguration cfg = new KvGridConfiguration();
            try {
                cfg.setPageSizeBytes(page);
            } catch (KvGridException e) {
                System.out.printf("%-8s rejected: %s%n", page / 1024 + "K", e.getMessage());
                continue;
            }
            cfg.setDefaultReplicas(1);
            cfg.setDataRegionBytes((long) totalMiB * 3 << 20);
            try (KvGridNode node = KvGrid.startEmbedded(cfg)) {
                for (int block : new int[] {64 << 10, 1 << 20}) {
                    double[] r = run(node.store(), block, (int) ((long) totalMiB << 20) / block, "p" + page + "b" + block);
                    System.out.printf(Locale.ROOT, "%-8s %-10s %10.2f %10.2f%n", page / 1024 + "K", block / 1024 + "K", r[0], r[1]);
                }
            }
        }
    }

    /** Returns {put GB/s, get GB/s}, best of 3 rounds after a warm-up round. */
    static double[] run(BlockStore store, int blockBytes, int count, String prefix) {
        byte[] payload = new byte[blockBytes];
        new java.util.Random(1).nextBytes(payload);
        double bestPut = 0;
        double bestGet = 0;
        for (int round = 0; round < 4; round++) {
            List<String> keys = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
                keys.add(prefix + "-" + round + "-" + i);
            long t0 = System.nanoTime();
            for (String k : keys)
                store.put(k, payload);
            long t1 = System.nanoTime();
            long sum = 0;
            for (String k : keys)
                sum += store.get(k).length;
            long t2 = System.nanoTime();
            if (sum != (long) count * blockBytes)
                throw new IllegalStateException("short read");
            store.removeByRegex(prefix + "-" + round + "-.*", true);
            if (round == 0)
                continue;
            bestPut = Math.max(bestPut, (double) count * blockBytes / (t1 - t0));
            bestGet = Math.max(bestGet, (double) count * blockBytes / (t2 - t1));
        }
        return new double[] {bestPut, bestGet};
    }
}
