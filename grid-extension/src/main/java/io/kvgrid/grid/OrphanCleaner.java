package io.kvgrid.grid;

import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.managers.eventstorage.DiscoveryEventListener;

import javax.cache.Cache;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reclaims the claims and payloads of writers that left the cluster mid-put. Each server node cleans the records it
 * is primary for, so every orphan is cleaned exactly once. Uses Ignite's internal discovery listener because public
 * event listeners only see event types the user enabled in the node configuration.
 */
final class OrphanCleaner implements DiscoveryEventListener, AutoCloseable {
    private final IgniteEx ignite;
    private final GridBlockStore store;
    private final ExecutorService exec = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kvgrid-orphan-cleaner");
        t.setDaemon(true);
        return t;
    });

    OrphanCleaner(IgniteEx ignite, GridBlockStore store) {
        this.ignite = ignite;
        this.store = store;
        ignite.context().event().addDiscoveryEventListener(this, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
    }

    @Override
    public void onEvent(DiscoveryEvent evt, org.apache.ignite.internal.managers.discovery.DiscoCache cache) {
        String writer = evt.eventNode().id().toString();
        String consistentId = String.valueOf(evt.eventNode().consistentId());
        exec.submit(() -> {
            clean(writer);
            forgetLowerTier(consistentId);
        });
    }

    /** Removes WRITING records of {@code writer} held here as primary, and their payloads. */
    int clean(String writer) {
        List<String> keys = new ArrayList<>();
        try {
            for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY)) {
                BlockRecord r = e.getValue();
                if (r.state == BlockRecord.WRITING && writer.equals(r.writer))
                    keys.add(e.getKey());
            }
            int n = 0;
            for (var res : store.metaCache().invokeAll(new LinkedHashSet<>(keys), new MetaOps.Release(writer)).values()) {
                BlockRecord r = res.get();
                if (r != null) {
                    store.freePayload(r);
                    n++;
                }
            }
            return n;
        } catch (RuntimeException e) {
            // Node stopping or topology changing again: the next event retries on the new primary.
            return 0;
        }
    }

    /**
     * The lower tier of a node that left is unreachable: clear it from the records held here as primary, so metadata
     * never claims a block no live tier holds. A restarted node re-announces what its tier kept.
     */
    int forgetLowerTier(String node) {
        List<String> keys = new ArrayList<>();
        try {
            for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY))
                if (node.equals(e.getValue().ssdNode))
                    keys.add(e.getKey());
            int n = 0;
            for (var res : store.metaCache().invokeAll(new LinkedHashSet<>(keys),
                new MetaOps.TierGone(node, io.kvgrid.Tier.SSD.bit())).values())
                if (Boolean.TRUE.equals(res.get()))
                    n++;
            return n;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        ignite.context().event().removeDiscoveryEventListener(this, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
        exec.shutdownNow();
    }
}
