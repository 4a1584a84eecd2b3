package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.lang.IgniteFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.cache.Cache;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Brings block copies to this node through the space governor, never around it. Payload caches do not rebalance on
 * their own ({@link GridCaches#dataConfig}); when the topology changes (a node lost, a node joining) partitions
 * assigned here wait, MOVING, for their data. Once a second this node sums the payloads those partitions will
 * receive (their sizes are in the block records, which every owner of the partition holds), reserves that room as a
 * write would (evicting unleased blocks first) and only then lets Ignite rebalance. When the room cannot be made
 * (leased and pinned blocks fill the region) the copies wait, those blocks keep fewer copies meanwhile, and the next
 * pass tries again: a node never takes data it has no room for, so Ignite's failure handler never stops it for lack of
 * pages.
 */
final class CopyRestorer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CopyRestorer.class);
    /** How long a rebalance may hold its reservation; a rebalance still running then is waited for without one. */
    private static final long MAX_HOLD_NANOS = TimeUnit.MINUTES.toNanos(10);

    private final Ignite ignite;
    private final GridBlockStore store;
    private final SpaceGovernor governor;
    private final KvGridConfiguration cfg;
    private final ScheduledExecutorService timer;
    /** Partitions whose copies wait for room on this node; partitions it received once room was made. */
    private final AtomicLong waiting = new AtomicLong();
    private final AtomicLong restored = new AtomicLong();
    private IgniteFuture<Boolean> running;
    private long reservation;
    private long runningParts;
    private long startedAt;

    CopyRestorer(Ignite ignite, GridBlockStore store, SpaceGovernor governor) {
        this.ignite = ignite;
        this.store = store;
        this.governor = governor;
        this.cfg = store.config();
        store.meters().gauge("kvgrid.copies.waiting", "Partitions of block copies assigned to this node that wait for "
            + "room in its block region (their blocks keep fewer copies meanwhile)", waiting, AtomicLong::get);
        store.meters().functionCounter("kvgrid.copies.restored", "Partitions of block copies this node received after "
            + "reserving room for them", restored, AtomicLong::get);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvgrid-copies-" + ignite.name());
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::pass, 0, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * Waits, at most {@code timeoutMillis}, until no server of the cluster has payload partitions waiting for their
     * data, or this node waits for room: a node joining a cluster returns from its start owning its share, as it
     * would with Ignite's own rebalancing.
     */
    void awaitSettled(long timeoutMillis) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() - end < 0 && waiting.get() == 0) {
            int moving = 0;
            for (int r = 1; r <= cfg.getMaxReplicas(); r++) {
                IgniteCache<?, ?> c = ignite.cache(GridCaches.dataCache(cfg, r));
                if (c != null)
                    moving += PartitionStates.movingAnywhere(c);
            }
            if (moving == 0)
                return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (waiting.get() == 0)
            LOG.warn("kvgrid node {}: started before every server received its copies", ignite.name());
    }

    /** Partitions waiting for room here now. */
    long waiting() {
        return waiting.get();
    }

    long restored() {
        return restored.get();
    }

    private void pass() {
        try {
            if (running != null) {
                boolean done = running.isDone();
                if (!done && System.nanoTime() - startedAt < MAX_HOLD_NANOS)
                    return;
                governor.release(reservation);
                if (done)
                    restored.addAndGet(runningParts);
                running = null;
            }
            Map<String, Set<Integer>> moving = movingPartitions();
            long parts = moving.values().stream().mapToLong(Set::size).sum();
            if (parts == 0) {
                waiting.set(0);
                return;
            }
            long pages = incomingPages(moving);
            long id;
            try {
                id = governor.reserve(pages, MAX_HOLD_NANOS);
            } catch (KvGridException e) {
                if (e.code() != ErrorCode.NO_SPACE)
                    throw e;
                if (waiting.getAndSet(parts) != parts)
                    LOG.warn("kvgrid node {}: {} partitions of block copies wait for room, their blocks keep fewer "
                        + "copies meanwhile: {}", ignite.name(), parts, e.getMessage());
                // Retried by the next pass; nothing to wait for meanwhile.
                return;
            }
            waiting.set(0);
            reservation = id;
            runningParts = parts;
            startedAt = System.nanoTime();
            // One forced rebalance covers every cache of this node.
            running = ignite.cache(moving.keySet().iterator().next()).rebalance();
            if (pages > 0)
                LOG.info("kvgrid node {}: receiving copies of {} partitions ({} bytes reserved)", ignite.name(), parts,
                    pages * governor.pageSize());
        } catch (RuntimeException e) {
            // Node stopping, or the topology changing under the pass: the next pass starts over.
            LOG.debug("kvgrid node {}: copy restore pass failed: {}", ignite.name(), e.toString());
        }
    }

    /** MOVING partitions per payload cache of this node. */
    private Map<String, Set<Integer>> movingPartitions() {
        Map<String, Set<Integer>> out = new HashMap<>();
        for (int r = 1; r <= cfg.getMaxReplicas(); r++) {
            String name = GridCaches.dataCache(cfg, r);
            if (!ignite.cacheNames().contains(name))
                continue;
            Set<Integer> parts = PartitionStates.moving(ignite.cache(name));
            if (!parts.isEmpty())
                out.put(name, parts);
        }
        return out;
    }

    /** Pages the payloads of complete in-memory blocks in {@code moving} partitions will take here. */
    private long incomingPages(Map<String, Set<Integer>> moving) {
        IgniteCache<String, BlockRecord> meta = store.metaCache();
        long pages = 0;
        for (Cache.Entry<String, BlockRecord> e : meta.localEntries(CachePeekMode.PRIMARY, CachePeekMode.BACKUP)) {
            BlockRecord r = e.getValue();
            if (r.state == BlockRecord.REF) {
                // A marker under a displaced payload's key: count the block here unless its record is here too.
                if (meta.localPeek(r.dataKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP) != null)
                    continue;
                r = meta.get(r.dataKey);
                if (r == null || !e.getKey().equals(r.dataKey))
                    continue;
            }
            if (!r.complete() || !r.inMemory())
                continue;
            Set<Integer> parts = moving.get(r.dataCache);
            if (parts != null && parts.contains(ignite.affinity(r.dataCache).partition(r.dataKey)))
                pages += RegionPages.reservedPages(r.size, governor.pageSize());
        }
        return pages;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
