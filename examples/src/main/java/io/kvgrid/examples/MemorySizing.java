package io.kvgrid.examples;

/**
 * Sizes the per-node data regions of a replay from a block count: how many bytes of an Ignite region a block takes
 * (payload, row header, key and index entry, rounded to how rows pack into pages), plus the pages every partition
 * costs. Estimates, not measurements: they decide where the memory tier starts evicting, so a bounded replay holds
 * about {@code capacity} blocks at the high watermark.
 */
final class MemorySizing {
    static final int[] PAGE_SIZES = {16 * 1024, 8 * 1024, 4 * 1024};
    private static final int PAGE_HEADER = 48;
    private static final int ROW_OVERHEAD = 64;
    private static final int FRAGMENT_OVERHEAD = 12;
    private static final int INDEX_ENTRY = 64;
    private static final int PAGES_PER_PARTITION = 8;
    private static final long REGION_BASE = 4L << 20;
    private static final long MIN_REGION = 16L << 20;
    private static final int META_RECORD_BYTES = 400;

    private MemorySizing() {
    }

    /** Region bytes one stored block copy takes with {@code pageSize} pages. */
    static double footprint(int blockBytes, int keyBytes, int pageSize) {
        int row = blockBytes + keyBytes + ROW_OVERHEAD;
        int usable = pageSize - PAGE_HEADER;
        if (row <= usable)
            return (double) pageSize / (usable / row) + INDEX_ENTRY;
        // Rows larger than a page are split into whole-page fragments plus a tail that shares a page with others.
        int perFragment = usable - FRAGMENT_OVERHEAD;
        int full = row / perFragment;
        int tail = row - full * perFragment;
        return (double) full * pageSize + (tail + FRAGMENT_OVERHEAD) * (double) pageSize / usable + INDEX_ENTRY;
    }

    /** The page size (16, 8 or 4 KiB) that wastes least for blocks of this size; larger pages win ties (faster). */
    static int bestPageSize(int blockBytes, int keyBytes) {
        int best = PAGE_SIZES[0];
        double bestRatio = footprint(blockBytes, keyBytes, best) / blockBytes;
        for (int p : PAGE_SIZES) {
            double r = footprint(blockBytes, keyBytes, p) / blockBytes;
            if (r < bestRatio * 0.97) {
                best = p;
                bestRatio = r;
            }
        }
        return best;
    }

    /**
     * Data region bytes per node so that {@code blocks} blocks of {@code copies} copies spread over {@code nodes}
     * nodes fill it to {@code fill} (the high watermark for a bounded tier, less for headroom).
     */
    static long dataRegionBytes(long blocks, int blockBytes, int keyBytes, int pageSize, int copies, int nodes,
                                int partitions, double fill) {
        long partitionsOnNode = ceilDiv((long) partitions * copies, nodes);
        long overhead = REGION_BASE + partitionsOnNode * PAGES_PER_PARTITION * pageSize;
        double payload = ceilDiv(blocks * copies, nodes) * footprint(blockBytes, keyBytes, pageSize);
        return roundUpMiB(Math.max(MIN_REGION, (long) ((overhead + payload) / fill)));
    }

    /** Metadata region bytes per node for {@code blocks} records of {@code copies} copies over {@code nodes} nodes. */
    static long metaRegionBytes(long blocks, int copies, int nodes) {
        long records = ceilDiv(blocks * copies, nodes);
        return roundUpMiB(Math.max(64L << 20, (long) (records * META_RECORD_BYTES * 1.5) + (16L << 20)));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static long roundUpMiB(long b) {
        return (b + (1L << 20) - 1) & -(1L << 20);
    }
}
