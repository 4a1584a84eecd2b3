package io.kvgrid.grid;

import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.TierStore;
import org.apache.ignite.Ignite;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One server node's tiers around the grid, built from {@code KvGridConfiguration.tiers} by {@link TierChain}: the
 * chain above memory (GPU: node-local copies of hot blocks, promoted after N reads here, never the only copy) and the
 * chain below it (SSD: evicted payloads written down, read back, promoted into memory after N reads). Records name
 * the node whose chain below holds a copy and the tiers holding it; this class keeps them true when a tier drops a
 * copy, and after a restart announces what the chain below kept.
 */
final class NodeTiers implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NodeTiers.class);
    private final GridBlockStore store;
    private final String nodeId;
    private final NodeStore above;
    private final NodeStore below;
    /** Blocks pinned in the chain above memory on this node (a put option), kept there while hard-pinned. */
    private final Set<String> pinnedAbove = ConcurrentHashMap.newKeySet();
    /** Blocks the chain below held but could not vouch for when this node started (damaged copies, dropped). */
    private int droppedAtStart;

    private NodeTiers(GridBlockStore store, String nodeId, NodeStore above, NodeStore below) {
        this.store = store;
        this.nodeId = nodeId;
        this.above = above;
        this.below = below;
    }

    /** Opens the tiers configured around memory on this (server) node; null when there are none. */
    static NodeTiers open(Ignite ignite, GridBlockStore store) {
        String nodeId = String.valueOf(ignite.cluster().localNode().consistentId());
        var cfg = store.config();
        NodeTiers[] self = new NodeTiers[1];
        TierChain.Node belowNode = new TierChain.Node() {
            @Override
            public String nodeId() {
                return nodeId;
            }

            @Override
            public void dropped(String key) {
                if (self[0] != null)
                    self[0].droppedBelow(key);
            }
        };
        TierChain.Node aboveNode = new TierChain.Node() {
            @Override
            public String nodeId() {
                return nodeId;
            }

            @Override
            public void dropped(String key) {
                // Copies above memory are never the only copy and records do not name them: nothing to correct.
            }
        };
        StoreMeters m = store.meters();
        NodeStore below = TierChain.build(TierChain.below(cfg), belowNode, k -> self[0] == null || self[0].mayDropBelow(k),
            m::verifyFailed);
        NodeStore above;
        try {
            NodeStore chain = TierChain.build(TierChain.above(cfg), aboveNode,
                k -> self[0] == null || self[0].mayDropAbove(k), m::verifyFailed);
            above = chain == null ? null : new PromotingStore(chain, cfg.getPromotionThreshold(), m::promotedAbove);
        } catch (RuntimeException e) {
            if (below != null)
                below.close();
            throw e;
        }
        if (above == null && below == null)
            return null;
        self[0] = new NodeTiers(store, nodeId, above, below);
        return self[0];
    }

    String nodeId() {
        return nodeId;
    }

    /** The chain above memory on this node, or null. */
    NodeStore above() {
        return above;
    }

    /** The chain below memory on this node, or null. */
    NodeStore below() {
        return below;
    }

    /** Every tier of both chains, fastest first (gauges, stats). */
    List<TierStore> tierStores() {
        List<TierStore> out = new ArrayList<>();
        TierChain.forEachTier(above, out::add);
        TierChain.forEachTier(below, out::add);
        return out;
    }

    /** The tier above memory that reaches buffers of {@code device} ({@code cuda:N}, {@code host}), or null. */
    io.kvgrid.DeviceTier deviceTier(String device) {
        for (TierStore t : tierStores())
            if (t instanceof io.kvgrid.DeviceTier d && d.device().equals(device))
                return d;
        return null;
    }

    /** The tiers below memory. */
    List<TierStore> belowTiers() {
        List<TierStore> out = new ArrayList<>();
        TierChain.forEachTier(below, out::add);
        return out;
    }

    /** False while the block is leased or hard-pinned: the chain below must not drop it to make room. */
    boolean mayDropBelow(String key) {
        BlockRecord r = store.metaCache().get(key);
        return r == null || !(r.hardPin || r.leaseUntil > store.config().getTicker().millis());
    }

    /** A block pinned above memory stays there while its record is hard-pinned; any other block may go. */
    boolean mayDropAbove(String key) {
        if (!pinnedAbove.contains(key))
            return true;
        BlockRecord r = store.metaCache().get(key);
        if (r != null && r.hardPin)
            return false;
        pinnedAbove.remove(key);
        return true;
    }

    /** A tier below dropped its copy: the record keeps the tiers still holding one on this node, or loses the node. */
    void droppedBelow(String key) {
        try {
            store.metaCache().invoke(key, new MetaOps.TierGone(nodeId, below.holding(key)));
        } catch (RuntimeException e) {
            // Node stopping: the record is cleared when this node leaves (OrphanCleaner) or re-announced on restart.
            LOG.warn("kvgrid node {}: could not clear a dropped copy of block {} from its record (cleared when this "
                + "node leaves): {}", nodeId, key, e.toString());
        }
    }

    /** Writes an evicted payload down; returns the tier bits now holding it below memory, 0 when none took it. */
    int spill(String key, BlockRecord rec, byte[] payload) {
        if (below == null || !below.put(key, payload, rec.crc))
            return 0;
        return below.holding(key);
    }

    int holdingBelow(String key) {
        return below == null ? 0 : below.holding(key);
    }

    byte[] readBelow(String key) {
        return below == null ? null : below.get(key);
    }

    /** Drops this node's copy above memory of a removed block. */
    void dropAbove(String key) {
        pinnedAbove.remove(key);
        if (above != null)
            above.remove(key);
    }

    /** Drops every copy of a removed block on this node, above and below memory. */
    void drop(String key) {
        pinnedAbove.remove(key);
        if (above != null)
            above.remove(key);
        if (below != null)
            below.remove(key);
    }

    /**
     * Puts a just-written block into the chain above memory and keeps it there while it is hard-pinned (the GPU pin
     * put option). False when there is no chain above or it could not take the block (its copy in memory stands).
     */
    boolean pinAbove(String key, byte[] payload, int crc) {
        if (above == null)
            return false;
        pinnedAbove.add(key);
        try {
            if (above.put(key, payload, crc))
                return true;
        } catch (KvGridException e) {
            LOG.warn("kvgrid node {}: could not pin block {} above memory: {}", nodeId, key, e.toString());
        }
        pinnedAbove.remove(key);
        return false;
    }

    /**
     * Makes the blocks the chain below kept (across a restart) visible again, one request per owning node for each
     * thousand blocks; drops copies that are stale.
     */
    int announce() {
        if (below == null)
            return 0;
        List<String> keys = new ArrayList<>();
        below.forEachKey(keys::add);
        int visible = 0;
        for (int from = 0; from < keys.size(); from += 1000)
            visible += announce(keys.subList(from, Math.min(keys.size(), from + 1000)));
        return visible;
    }

    private int announce(List<String> keys) {
        long now = store.config().getTicker().millis();
        java.util.Map<String, MetaOps.Announce> procs = new java.util.LinkedHashMap<>();
        List<String> damaged = new ArrayList<>();
        for (String k : keys) {
            long size;
            long crc;
            try {
                size = below.size(k);
                crc = below.checksum(k);
            } catch (KvGridException e) {
                // A copy that fails its checksum (or cannot be read) is dropped by the tier: the node starts anyway.
                damaged.add(k);
                continue;
            }
            if (size < 0 || crc < 0)
                continue;
            BlockRecord r = new BlockRecord();
            r.state = BlockRecord.COMPLETE;
            r.size = size;
            r.crc = (int) crc;
            r.replicas = store.config().getDefaultReplicas();
            r.created = now;
            r.lastAccess = now;
            r.tiers = below.holding(k);
            r.tierNode = nodeId;
            procs.put(k, new MetaOps.Announce(r));
        }
        if (!damaged.isEmpty()) {
            droppedAtStart += damaged.size();
            LOG.warn("kvgrid node {}: dropped {} damaged blocks below memory while announcing them: {}", nodeId,
                damaged.size(), damaged);
        }
        int visible = 0;
        Map<String, javax.cache.processor.EntryProcessorResult<Boolean>> res = store.metaCache().invokeAll(procs);
        for (String k : procs.keySet()) {
            if (Boolean.TRUE.equals(MetaOps.value(res.get(k))))
                visible++;
            else if (below.remove(k))
                LOG.warn("kvgrid node {}: dropped stale copy of block {} below memory while announcing", nodeId, k);
        }
        return visible;
    }

    int droppedAtStart() {
        return droppedAtStart;
    }

    /** Bit of every tier that can hold blocks below memory: what a record's {@code tiers} may name with its node. */
    static int belowMemoryBits(int tiers) {
        return tiers & ~Tier.MEMORY.bit();
    }

    @Override
    public void close() {
        try {
            if (above != null)
                above.close();
        } finally {
            if (below != null)
                below.close();
        }
    }
}
