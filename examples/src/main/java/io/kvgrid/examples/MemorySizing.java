package io.kvgrid.examples;

import io.kvgrid.grid.RegionPages;

/**
 * Sizes the per-node data regions of a replay from a block count: how many bytes of an Ignite region a block takes
 * (payload, row header, key and index entry, rounded to how rows pack into pages), plus the pages every partition
 * costs. For an unbounded replay a generous estimate; for a bounded one ({@link #bounded}) the page counts follow the
 * grid's SpaceGovernor and Ignite's measured packing, so a node holds its share of the capacity at the watermark.
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
    /** Measured (Ignite 2.17, 64 partitions, 4 KiB..64 KiB blocks): pages an empty node's block region uses. */
    private static final int EMPTY_NODE_PAGES = 130;
    /** Measured: pages a partition holding blocks adds (tree pages, a page for shared row tails). */
    private static final double PAGES_PER_USED_PARTITION = 2.5;
    /** Measured: free-list fragmentation after evictions and refills adds about 1% to the packed size. */
    private static final double CHURN = 1.01;

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
     * nodes fill it to {@code fill} (headroom for an unbounded replay).
     */
    static long dataRegionBytes(long blocks, int blockBytes, int keyBytes, int pageSize, int copies, int nodes,
                                int partitions, double fill) {
        long partitionsOnNode = ceilDiv((long) partitions * copies, nodes);
        long overhead = REGION_BASE + partitionsOnNode * PAGES_PER_PARTITION * pageSize;
        double payload = ceilDiv(blocks * copies, nodes) * footprint(blockBytes, keyBytes, pageSize);
        return roundUpMiB(Math.max(MIN_REGION, (long) ((overhead + payload) / fill)));
    }

    /** Region size and high watermark of a bounded memory tier; {@code copiesPerNode} is what each node holds. */
    record Bounded(long regionBytes, double highWatermark, long highPages, long copiesPerNode) {
    }

    /**
     * Sizes a bounded memory tier in the grid's own units. kvgrid's SpaceGovernor evicts once Ignite's used pages of
     * the node's block region, plus the pages reserved for writes in flight, would pass {@code highWatermark} of its
     * usable pages ({@link RegionPages}, the governor's own arithmetic). So the high watermark
     * must sit at the pages the region uses when it holds the capacity: what Ignite uses for an empty node and per
     * partition, plus each copy's pages as Ignite packs rows (measured within 1% for 4 KiB..1 MiB blocks), plus the
     * reservation of one write batch, which is counted at {@link RegionPages#reservedPages} per block while it is written but
     * only at the packed size afterwards. The region keeps kvgrid's default watermark where the minimum region size
     * allows it; for smaller capacities the watermark is lowered instead.
     *
     * @param meanBatchBlocks blocks one dump call writes, on average (the trace's mean of new blocks per request)
     */
    static Bounded bounded(long blocks, int blockBytes, int keyBytes, int pageSize, int copies, int nodes,
                           int partitions, double defaultWatermark, double meanBatchBlocks) {
        long partitionsOnNode = ceilDiv((long) partitions * copies, nodes);
        long copiesPerNode = ceilDiv(blocks * copies, nodes);
        double perCopy = packedPages(blockBytes, keyBytes, pageSize);
        double batch = meanBatchBlocks * copies / nodes * Math.max(0, RegionPages.reservedPages(blockBytes, pageSize) - perCopy);
        long high = (long) Math.ceil(EMPTY_NODE_PAGES + partitionsOnNode * PAGES_PER_USED_PARTITION
            + copiesPerNode * perCopy + batch);
        long region = Math.max(MIN_REGION, roundUpMiB(RegionPages.regionBytesFor((long) Math.ceil(high / defaultWatermark), pageSize)));
        double watermark = Math.min(defaultWatermark, (high + 0.5) / RegionPages.usablePages(region, pageSize));
        return new Bounded(region, watermark, high, copiesPerNode);
    }

    /** Pages one stored copy occupies in Ignite: its row, split into page fragments and tails shared with others. */
    static double packedPages(int blockBytes, int keyBytes, int pageSize) {
        return (footprint(blockBytes, keyBytes, pageSize) - INDEX_ENTRY) / pageSize * CHURN;
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
