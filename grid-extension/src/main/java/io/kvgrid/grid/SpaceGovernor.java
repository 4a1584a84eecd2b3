package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import org.apache.ignite.DataRegionMetrics;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One server node's guard of its block region: writers reserve room before their payload lands here, and the node
 * evicts (watermark policy) before the region can fill. Ignite's failure handler stops a node that runs out of pages,
 * so no write may reach the region without a reservation that fits.
 *
 * <p>Accounting is in pages, by Ignite's own admission rule for in-memory regions (see {@link RegionPages}); the
 * watermark applies to the usable pages.
 *
 * <p>Eviction: above {@code highWatermark} the node evicts {@code evictionRatio} of its eligible blocks (complete, in
 * memory here, not leased, not hard-pinned): a first pass over unpinned blocks, oldest access first; if that frees
 * less than needed, a second pass over more unpinned blocks and then, if allowed, soft-pinned ones, oldest first.
 */
final class SpaceGovernor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SpaceGovernor.class);
    private static final long RESERVATION_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Ignite ignite;
    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private final int pageSize;
    /** Pages the block payloads may occupy, counted as Ignite counts them. */
    private final long usablePages;
    /** Pages the metadata region may hold, and its page size. */
    private final long metaUsablePages;
    private final int metaPageSize;
    private final Map<Long, long[]> pending = new HashMap<>();
    private long pendingPages;
    private long nextId;
    private volatile boolean stopping;
    private final Thread monitor;
    /** Wakes the background eviction before its next 100 ms tick: a write took the fill past {@link #wakePages}. */
    private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);
    private final Evictor evictor;

    SpaceGovernor(Ignite ignite, GridBlockStore store, KvGridConfiguration cfg, boolean monitorFill) {
        this.ignite = ignite;
        this.store = store;
        this.cfg = cfg;
        DataRegionMetrics m = ignite.dataRegionMetrics(cfg.getDataRegionName());
        this.pageSize = m == null ? cfg.getPageSizeBytes() : m.getPageSize();
        this.usablePages = RegionPages.usablePages(regionMaxSize(ignite, cfg.getDataRegionName(),
            cfg.getDataRegionBytes()), pageSize);
        DataRegionMetrics mm = ignite.dataRegionMetrics(GridCaches.metaRegion(cfg));
        this.metaPageSize = mm == null ? cfg.getPageSizeBytes() : mm.getPageSize();
        this.metaUsablePages = RegionPages.usablePages(regionMaxSize(ignite, GridCaches.metaRegion(cfg),
            cfg.getMetaRegionBytes()), metaPageSize);
        this.evictor = new Evictor(ignite, store, cfg, pageSize);
        this.monitor = new Thread(this::monitorLoop, "kvgrid-watermark-" + ignite.name());
        monitor.setDaemon(true);
        if (monitorFill)
            monitor.start();
    }

    /** Background eviction: every 100 ms, or at once when a write passed {@link #wakePages}. */
    private void monitorLoop() {
        while (!stopping) {
            try {
                wake.tryAcquire(100, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
            if (!stopping)
                checkWatermark();
        }
    }

    /** Where evicted payloads go instead of being dropped (the node's tiers below memory), if it has some. */
    void tiers(NodeTiers tiers) {
        evictor.tiers(tiers);
    }

    private static long regionMaxSize(Ignite ignite, String region, long dflt) {
        DataStorageConfiguration ds = ignite.configuration().getDataStorageConfiguration();
        if (ds != null && ds.getDataRegionConfigurations() != null)
            for (DataRegionConfiguration r : ds.getDataRegionConfigurations())
                if (r.getName().equals(region))
                    return r.getMaxSize();
        return dflt;
    }

    private long metaUsedPages() {
        DataRegionMetrics m = ignite.dataRegionMetrics(GridCaches.metaRegion(cfg));
        return m == null ? 0 : m.getTotalUsedPages();
    }

    /**
     * True when this node's metadata region is past the point where a new record may be stored: halfway between the
     * high watermark (where whole blocks start being evicted) and full. Records are small against the region, so
     * the rest absorbs the copies other nodes send while they have not seen it yet; Ignite would stop the node on a
     * full region.
     */
    boolean metadataFull() {
        double hw = cfg.getHighWatermark();
        return metaUsedPages() >= (long) (metaUsablePages * (hw + (1 - hw) / 2));
    }

    int pageSize() {
        return pageSize;
    }

    /** Bytes block payloads may occupy in this node's region. */
    long capacity() {
        return usablePages * pageSize;
    }

    /** Bytes of the block region holding live pages. */
    long used() {
        return usedPages() * pageSize;
    }

    private long usedPages() {
        DataRegionMetrics m = ignite.dataRegionMetrics(cfg.getDataRegionName());
        return m == null ? 0 : m.getTotalUsedPages();
    }

    long evictions() {
        return evictor.watermarkEvictions() + evictor.roomEvictions();
    }

    long watermarkEvictions() {
        return evictor.watermarkEvictions();
    }

    long roomEvictions() {
        return evictor.roomEvictions();
    }

    long evictedBytes() {
        return evictor.evictedBytes();
    }

    /**
     * Reserves {@code pages} of the region for a write about to land here, evicting first if that would cross the
     * high watermark. Returns a reservation id; NO_SPACE when nothing more can be evicted. The accounting runs under
     * this object's lock; eviction (cluster round trips, writes to the tiers below) runs outside it, so writers that
     * need no eviction never wait for a pass.
     */
    long reserve(long pages) {
        return reserve(pages, RESERVATION_TTL_NANOS);
    }

    /** {@link #reserve(long)}, held for up to {@code ttlNanos} unless released before. */
    long reserve(long pages, long ttlNanos) {
        long high = (long) (usablePages * cfg.getHighWatermark());
        if (pages > high)
            throw new KvGridException(ErrorCode.NO_SPACE, null, "node " + ignite.name() + ": " + pages * pageSize
                + " bytes of blocks cannot fit even in an empty block region (" + high * pageSize + " bytes up to "
                + "its high watermark); nothing was evicted");
        for (int attempt = 0; ; attempt++) {
            long over;
            synchronized (this) {
                expire();
                long used = usedPages();
                over = used + pendingPages + pages - high;
                if (over <= 0)
                    return grant(pages, ttlNanos, used);
            }
            // Only what this write needs: the watermark monitor evicts in batches ahead of writers. Beside a pass
            // already running, this one takes other candidates; when none are left, room may still come from the
            // batches in flight.
            long seenBatches = evictor.candidates().batchesDone();
            long freed = evictor.evict(over, cfg.getTicker().millis(), false);
            boolean othersEvicting = freed == 0 && awaitOtherEvictions(seenBatches);
            synchronized (this) {
                long used = usedPages();
                if (used + pendingPages + pages <= usablePages)
                    return grant(pages, ttlNanos, used);
                if ((freed == 0 && !othersEvicting) || attempt >= 16)
                    throw new KvGridException(ErrorCode.NO_SPACE, null, "node " + ignite.name() + ": block region "
                        + "holds " + usedPages() + " of " + usablePages + " usable pages (" + pendingPages + " reserved "
                        + "by writes in flight) and " + pages + " more do not fit; what may not be evicted: "
                        + evictor.candidates().lastBlocked());
            }
        }
    }

    private boolean awaitOtherEvictions(long seenBatches) {
        try {
            return evictor.candidates().awaitInFlight(200, seenBatches);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KvGridException(ErrorCode.NO_SPACE, null, "node " + ignite.name() + ": interrupted while "
                + "waiting for room in the block region");
        }
    }

    /**
     * Records a reservation of {@code pages}; the caller holds this object's lock and has just read {@code usedPages}
     * (each read is a snapshot of Ignite's region metrics).
     */
    private long grant(long pages, long ttlNanos, long usedPages) {
        long id = ++nextId;
        pending.put(id, new long[] {pages, System.nanoTime() + ttlNanos});
        pendingPages += pages;
        if (usedPages + pendingPages > wakePages())
            wake.release();
        return id;
    }

    /** Pages reserved and not yet released or expired (writers' reservations and credits). */
    synchronized long pendingPages() {
        return pendingPages;
    }

    /**
     * A reservation for a remote writer: {@code pages} plus up to 1% of the usable pages as credit the writer may
     * consume for later writes without asking again, as far as that stays below the high watermark. Returns
     * {id, pages granted}.
     */
    long[] reserveWithCredit(long pages) {
        long credit;
        synchronized (this) {
            long room = (long) (usablePages * cfg.getHighWatermark()) - usedPages() - pendingPages - pages;
            credit = Math.max(0, Math.min(room, usablePages / 100));
        }
        return new long[] {reserve(pages + credit), pages + credit};
    }

    synchronized void release(long id) {
        long[] r = pending.remove(id);
        if (r != null)
            pendingPages -= r[0];
    }

    private void expire() {
        long now = System.nanoTime();
        pending.values().removeIf(r -> {
            if (r[1] - now > 0)
                return false;
            pendingPages -= r[0];
            return true;
        });
    }

    private long lowPages() {
        return (long) (usablePages * cfg.getLowWatermark());
    }

    /**
     * Fill at which a write wakes the background eviction at once: halfway between the low and the high watermark.
     * Waking at the low watermark itself made every write past it wake a pass that evicted one block (a thread
     * switch and two cluster requests per block, on the writers' cores); from halfway, a pass evicts a batch (half the
     * gap between the watermarks) while writers still have the other half to fill. Below it, the 100 ms tick evicts
     * down to the low watermark.
     */
    private long wakePages() {
        return lowPages() + ((long) (usablePages * cfg.getHighWatermark()) - lowPages()) / 2;
    }

    /**
     * Above the high watermark: a pass of the watermark policy (its batch of {@code evictionRatio}). Between the low
     * and the high watermark: evicts what takes the fill back to the low one, so writers keep finding room without
     * evicting themselves.
     */
    private void checkWatermark() {
        try {
            long fill;
            synchronized (this) {
                fill = usedPages() + pendingPages;
            }
            long overHigh = fill - (long) (usablePages * cfg.getHighWatermark());
            if (overHigh > 0)
                evictor.watermarkPass(overHigh, cfg.getTicker().millis());
            else if (fill > lowPages())
                evictor.backgroundPass(fill - lowPages(), cfg.getTicker().millis());
            if (metaUsedPages() > (long) (metaUsablePages * cfg.getHighWatermark()))
                evictor.evictForMetadata(cfg.getTicker().millis());
        } catch (RuntimeException e) {
            // Node stopping, or the cluster changing: the next check retries.
            if (!stopping)
                LOG.warn("kvgrid node {}: watermark check failed, retrying in 100 ms: {}", ignite.name(), e.toString());
        }
    }

    /**
     * Writes zero payloads whose primary is this node into a scratch cache without backups until the region is filled
     * to just below the watermark, then removes them: Ignite keeps freed pages, so they stay faulted in for real
     * blocks. Returns the pages touched.
     */
    long preTouch() {
        var scratchCfg = GridCaches.scratchConfig(cfg, 1, cfg.getCacheNamePrefix() + "-pretouch");
        var scratch = ignite.<String, byte[]>getOrCreateCache(scratchCfg);
        ClusterNode local = ignite.cluster().localNode();
        var aff = ignite.affinity(scratchCfg.getName());
        byte[] chunk = new byte[1 << 20];
        long target = (long) (usablePages * cfg.getHighWatermark() * 0.95);
        long start = usedPages();
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        try {
            for (long i = 0; usedPages() + RegionPages.reservedPages(chunk.length, pageSize) < target && i < 10_000_000; i++) {
                String k = "pretouch-" + i;
                if (!aff.isPrimary(local, k))
                    continue;
                synchronized (this) {
                    if (usedPages() + pendingPages + RegionPages.reservedPages(chunk.length, pageSize) >= target)
                        break;
                    scratch.put(k, chunk);
                }
                keys.add(k);
            }
            return usedPages() - start;
        } finally {
            scratch.removeAll(keys);
        }
    }

    /**
     * One eviction pass (see {@link Evictor}); {@code neededPages} is what the pass should free at least. Returns the
     * pages freed. Package-private so tests can run a pass at a chosen moment of an injected clock.
     */
    long evict(long neededPages, long now) {
        return evictor.evict(neededPages, now);
    }

    /** What the eviction passes choose from (its meters). */
    EvictionCandidates evictionCandidates() {
        return evictor.candidates();
    }

    /** A writer's pass, as {@link #reserve} runs one: from the eviction queue as it stands. For tests. */
    long evictQueued(long neededPages, long now) {
        return evictor.evict(neededPages, now, false);
    }

    @Override
    public void close() {
        stopping = true;
        monitor.interrupt();
    }
}
