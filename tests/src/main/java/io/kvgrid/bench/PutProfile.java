package io.kvgrid.bench;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-operation latency of kvgrid put/get/lookup on one embedded node; a quick look when tuning the write path.
 * Arguments: block bytes, blocks per round, region MiB, pre-touch (true/false).
 */
public final class PutProfile {
    private PutProfile() {
    }

    public static void main(String[] args) {
        int size = args.length > 0 ? Integer.parseInt(args[0]) : 64 << 10;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setDataRegionBytes(args.length > 2 ? Long.parseLong(args[2]) << 20 : 2L << 30);
        cfg.setPreTouchRegion(args.length > 3 && Boolean.parseBoolean(args[3]));
        try (KvGridNode node = KvGrid.startEmbedded(cfg)) {
            BlockStore s = node.store();
            byte[] v = new byte[size];
            for (int round = 0; round < 3; round++) {
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < n; i++)
                    keys.add("r" + round + "-" + i);
                long t0 = System.nanoTime();
                for (String k : keys)
                    s.put(k, v);
                long t1 = System.nanoTime();
                for (String k : keys)
                    s.get(k);
                long t2 = System.nanoTime();
                for (int i = 0; i + 1000 <= n; i += 1000)
                    s.lookupOnPrefixLength(keys.subList(i, i + 1000));
                long t3 = System.nanoTime();
                System.out.printf("round %d: put %.1f us, get %.1f us, lookup(1000) %.2f ms, evictions %d%n", round,
                    (t1 - t0) / 1e3 / n, (t2 - t1) / 1e3 / n, (t3 - t2) / 1e6 / Math.max(1, n / 1000),
                    s.localStats().evictions());
                s.removeAll(true);
            }
        }
    }
}
