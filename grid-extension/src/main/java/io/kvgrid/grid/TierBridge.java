package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.TierContext;
import io.kvgrid.TierStore;
import io.kvgrid.TierStoreFactory;
import org.apache.ignite.Ignite;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Connects one server node's lower tier (SSD) to the grid: evicted payloads spill into it, the tier asks before
 * dropping leased or hard-pinned blocks, and what it drops or kept across a restart is reflected in the metadata.
 */
final class TierBridge implements SpaceGovernor.LowerTier, TierContext, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TierBridge.class);
    private final GridBlockStore store;
    private final String nodeId;
    private final TierStore tier;
    /** Blocks the tier held but could not vouch for when this node started (damaged copies, dropped). */
    private int droppedAtStart;

    TierBridge(Ignite ignite, GridBlockStore store, TierStoreFactory factory) {
        this.store = store;
        this.nodeId = String.valueOf(ignite.cluster().localNode().consistentId());
        TierStore t = factory.open(this);
        if (t == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "lowerTier", "factory returned no tier store");
        this.tier = t;
    }

    TierStore tier() {
        return tier;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public boolean mayDrop(String key) {
        BlockRecord r = store.metaCache().get(key);
        return r == null || !(r.hardPin || r.leaseUntil > store.config().getTicker().millis());
    }

    @Override
    public void dropped(String key) {
        try {
            store.metaCache().invoke(key, new MetaOps.TierGone(nodeId, Tier.SSD.bit()));
        } catch (RuntimeException e) {
            // Node stopping: the record is cleared when this node leaves (OrphanCleaner) or re-announced on restart.
            LOG.warn("kvgrid node {}: could not clear the SSD copy of block {} from its record (cleared when this "
                + "node leaves): {}", nodeId, key, e.toString());
        }
    }

    @Override
    public boolean spill(String key, BlockRecord rec, byte[] payload) {
        return tier.put(key, ByteBuffer.wrap(payload), rec.crc);
    }

    @Override
    public void drop(String key) {
        tier.remove(key);
    }

    @Override
    public boolean holds(String key) {
        return tier.contains(key);
    }

    byte[] read(String key) {
        return tier.get(key);
    }

    /**
     * Makes the blocks the tier kept (across a restart) visible again, one request per owning node for each thousand
     * blocks; drops copies that are stale.
     */
    int announce() {
        List<String> keys = new ArrayList<>();
        tier.forEachKey(keys::add);
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
                size = tier.size(k);
                crc = tier.checksum(k);
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
            r.tiers = Tier.SSD.bit();
            r.ssdNode = nodeId;
            procs.put(k, new MetaOps.Announce(r));
        }
        if (!damaged.isEmpty()) {
            droppedAtStart += damaged.size();
            LOG.warn("kvgrid node {}: dropped {} damaged SSD blocks while announcing them: {}", nodeId,
                damaged.size(), damaged);
        }
        int visible = 0;
        var res = store.metaCache().invokeAll(procs);
        for (String k : procs.keySet()) {
            if (Boolean.TRUE.equals(MetaOps.value(res.get(k))))
                visible++;
            else if (tier.remove(k))
                LOG.warn("kvgrid node {}: dropped stale SSD copy of block {} while announcing", nodeId, k);
        }
        return visible;
    }

    int droppedAtStart() {
        return droppedAtStart;
    }

    @Override
    public void close() {
        tier.close();
    }
}
