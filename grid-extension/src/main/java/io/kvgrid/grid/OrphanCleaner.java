package io.kvgrid.grid;

import io.kvgrid.Tier;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.managers.eventstorage.DiscoveryEventListener;

import javax.cache.Cache;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reclaims what departed nodes leave behind in the records this node is primary for: claims and payloads of writers
 * that died mid-put, and lower-tier copies that became unreachable (a restarted node re-announces those). Each record
 * has one primary, so each orphan is cleaned once. After a node leaves, partitions change primaries only when the
 * topology exchange completes, so the sweep runs several times over the following seconds.
 */
final class OrphanCleaner implements DiscoveryEventListener, AutoCloseable {
    private static final long[] SWEEP_DELAYS_MS = {200, 1_000, 3_000, 10_000};

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
            exec.schedule(this::sweep, delay, TimeUnit.MILLISECONDS);
    }

    /** Cleans records whose writer or lower-tier node is no longer in the cluster. Returns records changed. */
    int sweep() {
        try {
            Set<UUID> alive = new HashSet<>();
            Set<String> aliveServers = new HashSet<>();
            for (ClusterNode n : ignite.cluster().nodes()) {
                alive.add(n.id());
                if (!n.isClient())
                    aliveServers.add(String.valueOf(n.consistentId()));
            }
            Set<String> deadClaims = new LinkedHashSet<>();
            Set<String> lostTier = new LinkedHashSet<>();
            Map<Integer, Map<String, String>> inMemory = new HashMap<>();
            for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY)) {
                BlockRecord r = e.getValue();
                if (r.state == BlockRecord.WRITING && !alive.contains(UUID.fromString(r.writer)))
                    deadClaims.add(e.getKey());
                else if (r.complete() && r.ssdNode != null && !aliveServers.contains(r.ssdNode))
                    lostTier.add(e.getKey());
                if (r.complete() && r.inMemory())
                    inMemory.computeIfAbsent(r.replicas, x -> new HashMap<>()).put(r.dataKey, e.getKey());
            }
            int n = 0;
            for (String k : deadClaims) {
                BlockRecord r = store.metaCache().get(k);
                if (r == null || r.state != BlockRecord.WRITING)
                    continue;
                BlockRecord released = store.metaCache().invoke(k, new MetaOps.Release(r.writer));
                if (released != null) {
                    store.freePayload(released);
                    n++;
                }
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
                if (r != null && r.ssdNode != null && !aliveServers.contains(r.ssdNode)
                    && Boolean.TRUE.equals(store.metaCache().invoke(k, new MetaOps.TierGone(r.ssdNode, Tier.SSD.bit()))))
                    n++;
            }
            return n;
        } catch (RuntimeException e) {
            return 0; // stopping, or the topology moved again: a later sweep retries
        }
    }

    @Override
    public void close() {
        ignite.context().event().removeDiscoveryEventListener(this, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
        exec.shutdownNow();
    }
}
