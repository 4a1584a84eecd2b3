package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.NodeStats;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Ignite caches a store works on (metadata, one data cache per replica count) and the node facts every part of
 * the store needs: where copies of a record live, which server a consistent id names.
 */
final class BlockCaches {
    private final Ignite ignite;
    private final KvGridConfiguration cfg;
    private final IgniteCache<String, BlockRecord> meta;
    private final Map<Integer, IgniteCache<String, byte[]>> data = new ConcurrentHashMap<>();
    private final int pageSize;
    private final StoreMeters meters;

    BlockCaches(Ignite ignite, KvGridConfiguration cfg) {
        this.ignite = ignite;
        this.cfg = cfg;
        this.meta = ignite.getOrCreateCache(GridCaches.metaConfig(cfg));
        var ds = ignite.configuration().getDataStorageConfiguration();
        this.pageSize = ds == null || ds.getPageSize() == 0 ? 4096 : ds.getPageSize();
        data(cfg.getDefaultReplicas());
        this.meters = new StoreMeters(cfg.getMeterRegistry(), String.valueOf(ignite.cluster().localNode().consistentId()));
    }

    Ignite ignite() {
        return ignite;
    }

    KvGridConfiguration config() {
        return cfg;
    }

    IgniteCache<String, BlockRecord> metaCache() {
        return meta;
    }

    StoreMeters meters() {
        return meters;
    }

    int pageSize() {
        return pageSize;
    }

    IgniteCache<String, byte[]> data(int replicas) {
        return data.computeIfAbsent(replicas, r -> ignite.getOrCreateCache(GridCaches.dataConfig(cfg, r)));
    }

    IgniteCache<String, byte[]> data(BlockRecord rec) {
        return data(rec.replicas);
    }

    /** The data caches this store opened. */
    Collection<IgniteCache<String, byte[]>> openDataCaches() {
        return data.values();
    }

    /** The data caches that exist in the cluster (one per replica count some node has written with). */
    List<IgniteCache<String, byte[]>> existingDataCaches() {
        Collection<String> names = ignite.cacheNames();
        List<IgniteCache<String, byte[]>> out = new ArrayList<>();
        for (int r = 1; r <= cfg.getMaxReplicas(); r++)
            if (names.contains(GridCaches.dataCache(cfg, r)))
                out.add(data(r));
        return out;
    }

    int copies(BlockRecord r) {
        if (!r.inMemory())
            return 0;
        return ignite.affinity(r.dataCache).mapKeyToPrimaryAndBackups(r.dataKey).size();
    }

    /**
     * Consistent ids of the live nodes holding memory copies, primary first. Right after a node leaves, the affinity
     * can still name it until the topology exchange completes: departed nodes are left out.
     */
    List<String> replicaNodes(BlockRecord r) {
        List<String> ids = new ArrayList<>();
        if (r.inMemory())
            for (ClusterNode n : ignite.affinity(r.dataCache).mapKeyToPrimaryAndBackups(r.dataKey))
                if (ignite.cluster().node(n.id()) != null)
                    ids.add(String.valueOf(n.consistentId()));
        return ids;
    }

    ClusterNode serverByConsistentId(String id) {
        for (ClusterNode n : ignite.cluster().forServers().nodes())
            if (id.equals(String.valueOf(n.consistentId())))
                return n;
        return null;
    }

    /** Block copies (primary and backup) in this node's data caches: {@code cache.size} and NodeStats#blocks. */
    long localBlocks() {
        long blocks = 0;
        for (IgniteCache<String, byte[]> c : openDataCaches())
            blocks += c.localSizeLong(CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        return blocks;
    }

    /** This node's share: blocks, region use and evictions ({@code g}, null on clients), leases and pins. */
    NodeStats localStats(SpaceGovernor g) {
        long blocks = localBlocks();
        long now = cfg.getTicker().millis();
        long leased = 0;
        long pinned = 0;
        for (var e : meta.localEntries(CachePeekMode.PRIMARY)) {
            BlockRecord r = e.getValue();
            if (!r.complete())
                continue;
            if (r.leaseUntil > now)
                leased++;
            if (r.hardPin || r.softPinUntil > now)
                pinned++;
        }
        if (g == null)
            return new NodeStats(blocks, 0, 0, 0, 0, leased, pinned);
        return new NodeStats(blocks, g.used(), g.capacity(), g.evictions(), g.evictedBytes(), leased, pinned);
    }
}
