package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.TierStore;
import org.apache.ignite.cache.CachePeekMode;

import java.util.Locale;

/**
 * The gauges and function counters of a server node, read when scraped: blocks held, bytes and capacity per tier,
 * region fill against the high watermark, evictions by reason, leases and pins, the block channel's bytes held.
 * {@code cache.size} and the eviction counters read the same sources as {@link GridBlockStore#localStats()}, so
 * {@code kvgrid stats} and {@code /metrics} agree. Leases and pins come from one scan of the node's metadata, reused
 * for a second.
 */
final class NodeGauges {
    private static final long SCAN_REUSE_NANOS = 1_000_000_000L;

    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private long scannedAt = System.nanoTime() - 2 * SCAN_REUSE_NANOS;
    private long leased;
    private long softPinned;
    private long hardPinned;

    private NodeGauges(GridBlockStore store) {
        this.store = store;
        this.cfg = store.config();
    }

    /** The bytes the block channel holds now for {@code use} (answers, puts) out of {@code budget}, and its total. */
    static void bindChannel(StoreMeters m, String use, ByteBudget budget) {
        m.gauge("kvgrid.channel.held.bytes", "Block bytes the block channel holds now, by use: answers to reads being "
            + "written, payloads of writes being stored", budget, ByteBudget::held, "use", use);
        m.gauge("kvgrid.channel.budget.bytes", "Block bytes the block channel may hold at once, by use; a read past it "
            + "waits up to its read deadline, a write up to its write deadline", budget, ByteBudget::total, "use", use);
    }

    static void bind(StoreMeters m, GridBlockStore store, SpaceGovernor g, NodeTiers tiers) {
        NodeGauges n = new NodeGauges(store);
        m.gauge("cache.size", "Block copies held in this node's memory region", store, GridBlockStore::localBlocks,
            "tier", "memory");
        m.gauge("kvgrid.leases.active", "Blocks under a read lease now (primary copies on this node)", n,
            x -> x.scan().leased);
        m.gauge("kvgrid.pins", "Pinned blocks (primary copies on this node), by pin kind", n,
            x -> x.scan().softPinned, "kind", "soft");
        m.gauge("kvgrid.pins", "Pinned blocks (primary copies on this node), by pin kind", n,
            x -> x.scan().hardPinned, "kind", "hard");
        if (g == null)
            return;
        m.gauge("kvgrid.tier.bytes", "Bytes in use, by tier", g, SpaceGovernor::used, "tier", "memory");
        m.gauge("kvgrid.tier.capacity.bytes", "Bytes blocks may fill, by tier", g, SpaceGovernor::capacity,
            "tier", "memory");
        m.gauge("kvgrid.region.fill", "Share of the block region in use (compare with kvgrid.region.high.watermark)",
            g, x -> x.capacity() == 0 ? 0 : (double) x.used() / x.capacity());
        m.gauge("kvgrid.region.high.watermark", "Fill of the block region above which the node evicts", n,
            x -> x.cfg.getHighWatermark());
        m.functionCounter("cache.evictions", "Blocks evicted by the watermark monitor", g,
            SpaceGovernor::watermarkEvictions, "reason", "watermark");
        m.functionCounter("cache.evictions", "Blocks evicted to make room for a write (region full)", g,
            SpaceGovernor::roomEvictions, "reason", "full");
        m.functionCounter("kvgrid.evicted.bytes", "Payload bytes this node evicted", g, SpaceGovernor::evictedBytes);
        EvictionCandidates ec = g.evictionCandidates();
        m.functionCounter("kvgrid.eviction.scans", "Scans of the records of block copies held here for eviction "
            + "candidates", ec, EvictionCandidates::scans);
        m.gauge("kvgrid.eviction.scan.seconds", "Duration of the last scan for eviction candidates (it reads every "
            + "record of a block copy held here)", ec, EvictionCandidates::lastScanSeconds);
        m.gauge("kvgrid.eviction.candidates", "Eviction candidates left from the last scan, oldest access first", ec,
            EvictionCandidates::left);
        if (tiers == null)
            return;
        java.util.Map<String, Integer> seen = new java.util.HashMap<>();
        for (TierStore t : tiers.tierStores()) {
            // A second store of the same tier (two SSDs) is "ssd-2", so each keeps its own gauge.
            String name = t.tier().name().toLowerCase(Locale.ROOT);
            int nth = seen.merge(name, 1, Integer::sum);
            String tier = nth == 1 ? name : name + "-" + nth;
            m.gauge("kvgrid.tier.bytes", "Bytes in use, by tier", t, TierStore::usedBytes, "tier", tier);
            m.gauge("kvgrid.tier.capacity.bytes", "Bytes blocks may fill, by tier", t, TierStore::capacityBytes,
                "tier", tier);
        }
    }

    /** Counts leases and pins over the node's primary metadata, at most once a second. */
    private synchronized NodeGauges scan() {
        long t = System.nanoTime();
        if (t - scannedAt < SCAN_REUSE_NANOS)
            return this;
        long now = cfg.getTicker().millis();
        long l = 0;
        long soft = 0;
        long hard = 0;
        for (var e : store.metaCache().localEntries(CachePeekMode.PRIMARY)) {
            BlockRecord r = e.getValue();
            if (!r.complete())
                continue;
            if (r.leaseUntil > now)
                l++;
            if (r.hardPin)
                hard++;
            else if (r.softPinUntil > now)
                soft++;
        }
        leased = l;
        softPinned = soft;
        hardPinned = hard;
        scannedAt = System.nanoTime();
        return this;
    }
}
