package io.kvgrid.grid;

import io.kvgrid.Tier;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.managers.eventstorage.DiscoveryEventListener;

import javax.cache.Cache;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reclaims what departed nodes leave behind in the partitions this node is primary for: payloads of writers that died
 * between writing a payload and installing its record, records whose every memory copy left, and lower-tier copies
 * that became unreachable (a restarted node re-announces those). Each partition has one primary, so each orphan is
 * cleaned once. After a node leaves, partitions change primaries only when the topology exchange completes, so the
 * sweep runs several times over the following seconds.
 */
final class OrphanCleaner implements DiscoveryEventListener, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OrphanCleaner.class);
    private static final long[] SWEEP_DELAYS_MS = {200, 1_000, 3_000, 10_000};
    /**
     * Unreferenced payloads are looked for only from this long after a departure: a record install the writer sent
     * just before it died may still be landing in the first moments, and its payload must not go before it.
     */
    private static final long PAYLOAD_SWEEP_AFTER_MS = 1_000;

    private final IgniteEx ignite;
    private final GridBlockStore store;
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kvgrid-orphan-cleaner");
        t.setDaemon(true);
        return t;
    });

    OrphanCleaner(IgniteEx ignite, GridBlockStore store) {
        this.ignite = ignite;
        this.store = store;
        // Internal listener: public event listeners only see event types enabled in the node configuration.
        ignite.context().event().addDiscoveryEventListener(this, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
    }

    @Override
    public void onEvent(DiscoveryEvent evt, org.apache.ignite.internal.managers.discovery.DiscoCache cache) {
        for (long delay : SWEEP_DELAYS_MS)
            exec.schedule(() -> sweep(delay >= PAYLOAD_SWEEP_AFTER_MS), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * Cleans records whose memory copies or lower-tier node are no longer in the cluster and, with {@code payloads},
     * payloads of departed writers that no record points at. Returns records and payloads changed.
     */
    int sweep(boolean payloads) {
        try {
            Set<Long> alive = new HashSet<>();
            Set<String> aliveServers = new HashSet<>();
            for (ClusterNode n : ignite.cluster().nodes()) {
                alive.add(n.order());
                if (!n.isClient())
                    aliveServers.add(String.valueOf(n.consistentId()));
            }
            int n = payloads ? sweepUnreferencedPayloads(alive) : 0;
            Set<String> lostTier = new LinkedHashSet<>();
            Map<Integer, Map<String, String>> inMemory = new HashMap<>();
            for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY)) {
                BlockRecord r = e.getValue();
                if (r.complete() && r.tierNode != null && !aliveServers.contains(r.tierNode))
                    lostTier.add(e.getKey());
                if (r.complete() && r.inMemory())
                    inMemory.computeIfAbsent(r.replicas, x -> new HashMap<>()).put(r.dataKey, e.getKey());
            }
            // Payloads whose every copy left with departed nodes: the records must stop claiming memory.
            for (Map.Entry<Integer, Map<String, String>> c : inMemory.entrySet()) {
                var data = store.data(c.getKey()).withKeepBinary();
                if (data.containsKeys(c.getValue().keySet()))
                    continue; // the usual case: one batched check, nothing lost
                for (Map.Entry<String, String> d : c.getValue().entrySet()) {
                    if (data.containsKey(d.getKey()))
                        continue;
                    BlockRecord r = store.metaCache().get(d.getValue());
                    if (r != null && d.getKey().equals(r.dataKey)) {
                        store.memoryGone(d.getValue(), r);
                        n++;
                    }
                }
            }
            for (String k : lostTier) {
                BlockRecord r = store.metaCache().get(k);
                if (r != null && r.tierNode != null && !aliveServers.contains(r.tierNode)
                    && Boolean.TRUE.equals(store.metaCache().invoke(k, new MetaOps.TierGone(r.tierNode, 0))))
                    n++;
            }
            return n;
        } catch (RuntimeException e) {
            // stopping, or the topology moved again: a later sweep retries
            LOG.warn("kvgrid: orphan sweep failed, a later sweep retries: {}", e.toString());
            return 0;
        }
    }

    /**
     * Removes payloads, in the data partitions this node is primary for, that a departed node wrote and no record
     * points at: the writer died after writing the payload and before installing its record (see
     * {@link GridBlockStore#write}). Only keys are read, not payload bytes. Returns payloads removed.
     */
    private int sweepUnreferencedPayloads(Set<Long> aliveOrders) {
        int removed = 0;
        for (IgniteCache<String, byte[]> data : store.existingDataCaches()) {
            Map<String, List<String>> byBlock = new HashMap<>();
            for (String dataKey : PayloadAccess.localPrimaryKeys(data)) {
                long writer = KvGridAffinity.writerOrder(dataKey);
                if (writer >= 0 && !aliveOrders.contains(writer))
                    byBlock.computeIfAbsent(KvGridAffinity.blockKey(dataKey), x -> new ArrayList<>()).add(dataKey);
            }
            if (byBlock.isEmpty())
                continue;
            Map<String, BlockRecord> recs = store.metaCache().getAll(byBlock.keySet());
            Set<String> orphans = new LinkedHashSet<>();
            byBlock.forEach((block, dataKeys) -> {
                BlockRecord r = recs.get(block);
                for (String dk : dataKeys)
                    if (r == null || !dk.equals(r.dataKey))
                        orphans.add(dk);
            });
            data.removeAll(orphans);
            removed += orphans.size();
        }
        return removed;
    }

    @Override
    public void close() {
        ignite.context().event().removeDiscoveryEventListener(this, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
        exec.shutdownNow();
    }
}
