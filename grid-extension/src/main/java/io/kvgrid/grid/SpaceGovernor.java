package io.kvgrid.grid;

import io.kvgrid.EvictionListener;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import org.apache.ignite.DataRegionMetrics;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;

import javax.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import javax.cache.processor.EntryProcessorResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
    /** Why the last eviction pass could not free more: blocks it had to leave (leased, hard-, soft-pinned). */
    private volatile String lastBlocked = "";
    private final Map<Long, long[]> pending = new HashMap<>();
    private long pendingPages;
    private long nextId;
    /** Evictions by the watermark monitor, and those a write needing room ran (reported as reason "full"). */
    private final AtomicLong watermarkEvictions = new AtomicLong();
    private final AtomicLong roomEvictions = new AtomicLong();
    /** Set while the watermark monitor runs a pass (under this object's lock, as every pass runs). */
    private boolean watermarkPass;
    private volatile boolean stopping;
    private final AtomicLong evictedBytes = new AtomicLong();
    private final ScheduledExecutorService monitor;
    private volatile LowerTier lower;

    /** Where evicted payloads go instead of being dropped (the SSD tier), if configured. */
    interface LowerTier {
        /** @return true when the tier kept a copy of the payload */
        boolean spill(String key, BlockRecord rec, byte[] payload);

        void drop(String key);

        /** Whether the tier still holds a copy (it may drop copies to make room for later spills). */
        boolean holds(String key);
    }

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
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvgrid-watermark-" + ignite.name());
            t.setDaemon(true);
            return t;
        });
        if (monitorFill)
            monitor.scheduleWithFixedDelay(this::checkWatermark, 100, 100, TimeUnit.MILLISECONDS);
    }

    void lowerTier(LowerTier lower) {
        this.lower = lower;
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
        return watermarkEvictions.get() + roomEvictions.get();
    }

    long watermarkEvictions() {
        return watermarkEvictions.get();
    }

    long roomEvictions() {
        return roomEvictions.get();
    }

    long evictedBytes() {
        return evictedBytes.get();
    }

    /**
     * Reserves {@code pages} of the region for a write about to land here, evicting first if that would cross the
     * high watermark. Returns a reservation id; NO_SPACE when nothing more can be evicted.
     */
    synchronized long reserve(long pages) {
        return reserve(pages, RESERVATION_TTL_NANOS);
    }

    /** {@link #reserve(long)}, held for up to {@code ttlNanos} unless released before. */
    synchronized long reserve(long pages, long ttlNanos) {
        expire();
        long high = (long) (usablePages * cfg.getHighWatermark());
        if (pages > high)
            throw new KvGridException(ErrorCode.NO_SPACE, null, "node " + ignite.name() + ": " + pages * pageSize
                + " bytes of blocks cannot fit even in an empty block region (" + high * pageSize + " bytes up to "
                + "its high watermark); nothing was evicted");
        for (int attempt = 0; ; attempt++) {
            long used = usedPages() + pendingPages;
            long freed = 0;
            if (used + pages > high) {
                // Only what this write needs: the watermark monitor evicts in batches ahead of writers.
                freed = evict(used + pages - high, cfg.getTicker().millis(), false);
                used = usedPages() + pendingPages;
            }
            if (used + pages <= usablePages) {
                long id = ++nextId;
                pending.put(id, new long[] {pages, System.nanoTime() + ttlNanos});
                pendingPages += pages;
                return id;
            }
            if (freed == 0 || attempt >= 8)
                throw new KvGridException(ErrorCode.NO_SPACE, null, "node " + ignite.name() + ": block region holds "
                    + usedPages() + " of " + usablePages + " usable pages (" + pendingPages + " reserved by writes in "
                    + "flight) and " + pages + " more do not fit; what may not be evicted: " + lastBlocked);
        }
    }

    /**
     * A reservation for a remote writer: {@code pages} plus up to 1% of the usable pages as credit the writer may
     * consume for later writes without asking again, as far as that stays below the high watermark. Returns
     * {id, pages granted}.
     */
    synchronized long[] reserveWithCredit(long pages) {
        long room = (long) (usablePages * cfg.getHighWatermark()) - usedPages() - pendingPages - pages;
        long credit = Math.max(0, Math.min(room, usablePages / 100));
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

    private void checkWatermark() {
        try {
            synchronized (this) {
                long over = usedPages() + pendingPages - (long) (usablePages * cfg.getHighWatermark());
                if (over > 0) {
                    watermarkPass = true;
                    try {
                        evict(over, cfg.getTicker().millis());
                    } finally {
                        watermarkPass = false;
                    }
                }
            }
            if (metaUsedPages() > (long) (metaUsablePages * cfg.getHighWatermark()))
                evictForMetadata(cfg.getTicker().millis());
        } catch (RuntimeException e) {
            // Node stopping, or the cluster changing: the next check retries.
            if (!stopping)
                LOG.warn("kvgrid node {}: watermark check failed, retrying in 100 ms: {}", ignite.name(), e.toString());
        }
    }

    /**
     * The metadata region is past its high watermark (many blocks with long keys): removes whole blocks (record,
     * payload, lower-tier copy), {@code evictionRatio} of the evictable records this node is primary for, oldest
     * access first. Leased and pinned blocks stay; a lease taken meanwhile is honoured by the removal itself.
     */
    int evictForMetadata(long now) {
        List<Candidate> eligible = new ArrayList<>();
        for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY)) {
            BlockRecord r = e.getValue();
            if (r.complete() && !r.hardPin && r.leaseUntil <= now
                && (r.softPinUntil <= now || cfg.isEvictSoftPinned()))
                eligible.add(new Candidate(e.getKey(), r));
        }
        eligible.sort(Comparator.<Candidate>comparingLong(c -> c.rec.lastAccess).thenComparing(Candidate::key));
        int n = Math.min(eligible.size(), Math.max(1, (int) Math.ceil(cfg.getEvictionRatio() * eligible.size())));
        int removed = 0;
        for (int i = 0; i < n; i += BATCH) {
            List<String> keys = new ArrayList<>();
            for (Candidate c : eligible.subList(i, Math.min(n, i + BATCH)))
                keys.add(c.key);
            var res = store.batchRemove(keys, false);
            for (int j = 0; j < keys.size(); j++) {
                if (!res.get(j).ok())
                    continue;
                removed++;
                watermarkEvictions.incrementAndGet();
                evictedBytes.addAndGet(eligible.get(i + j).rec.size);
            }
        }
        return removed;
    }

    private record Candidate(String key, BlockRecord rec) {
    }

    /**
     * One eviction pass (see class comment); {@code neededPages} is what the pass should free at least. Returns the
     * pages freed. Package-private so tests can run a pass
     * at a chosen moment of an injected clock.
     */
    synchronized long evict(long neededPages, long now) {
        return evict(neededPages, now, true);
    }

    /** {@code ahead}: also evict the watermark policy's batch, not only {@code neededPages}. */
    private synchronized long evict(long neededPages, long now, boolean ahead) {
        List<Candidate> unpinned = new ArrayList<>();
        List<Candidate> softPinned = new ArrayList<>();
        int leased = 0;
        int hard = 0;
        ClusterNode local = ignite.cluster().localNode();
        for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY, CachePeekMode.BACKUP)) {
            BlockRecord r = e.getValue();
            String key = e.getKey();
            if (r.state == BlockRecord.REF) {
                key = r.dataKey;
                r = store.metaCache().get(key);
                if (r == null || !e.getKey().equals(r.dataKey))
                    continue;
            }
            if (!r.complete() || !r.inMemory())
                continue;
            if (!ignite.affinity(r.dataCache).isPrimaryOrBackup(local, r.dataKey))
                continue;
            if (r.hardPin || r.leaseUntil > now) {
                if (r.hardPin)
                    hard++;
                else
                    leased++;
                continue;
            }
            (r.softPinUntil > now ? softPinned : unpinned).add(new Candidate(key, r));
        }
        Comparator<Candidate> oldestFirst = Comparator.<Candidate>comparingLong(c -> c.rec.lastAccess)
            .thenComparing(Candidate::key);
        unpinned.sort(oldestFirst);
        softPinned.sort(oldestFirst);
        int quota = ahead ? (int) Math.ceil(cfg.getEvictionRatio() * (unpinned.size() + softPinned.size())) : 0;
        lastBlocked = leased + " leased, " + hard + " hard-pinned"
            + (cfg.isEvictSoftPinned() ? "" : ", " + softPinned.size() + " soft-pinned (evictSoftPinned is off)")
            + " block copies here";

        int first = Math.min(quota, unpinned.size());
        long freed = 0;
        for (int i = 0; i < first; i += BATCH)
            freed += evictBatch(unpinned.subList(i, Math.min(first, i + BATCH)), now);
        List<Candidate> more = new ArrayList<>(unpinned.subList(first, unpinned.size()));
        if (cfg.isEvictSoftPinned())
            more.addAll(softPinned);
        for (int i = 0; i < more.size() && freed < neededPages; ) {
            // Enough blocks for what is still needed (by their sizes), in batches, so the pass overshoots little.
            int n = 0;
            for (long f = freed; i + n < more.size() && n < BATCH && f < neededPages; n++)
                f += RegionPages.reservedPages(more.get(i + n).rec.size, pageSize);
            freed += evictBatch(more.subList(i, i + n), now);
            i += n;
        }
        return freed;
    }

    /** Blocks evicted per batch: one request per owning node for their metadata and one for their payloads. */
    private static final int BATCH = 64;

    /**
     * Evicts a batch of blocks, in order: each payload goes to the lower tier first, then the metadata of all is
     * re-checked and updated atomically (a block read, hard-pinned or rewritten since it was picked stays), then the
     * listener sees the evicted ones, then all their payload replicas are freed. Returns the pages freed.
     */
    private long evictBatch(List<Candidate> batch, long now) {
        LowerTier lt = lower;
        String localId = String.valueOf(ignite.cluster().localNode().consistentId());
        Map<String, MetaOps.FinishEvict> finish = new LinkedHashMap<>();
        Map<String, byte[]> payloads = new HashMap<>();
        Set<String> spilled = new HashSet<>();
        for (Candidate c : batch) {
            BlockRecord r = c.rec;
            byte[] payload = store.data(r).localPeek(r.dataKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
            if (payload == null)
                continue;
            boolean kept = lt != null && lt.spill(c.key, r, payload);
            if (kept) {
                spilled.add(c.key);
                store.meters().spilled(payload.length);
            }
            payloads.put(c.key, payload);
            finish.put(c.key, new MetaOps.FinishEvict(r.dataKey, now, kept ? localId : null, Tier.SSD.bit()));
        }
        if (finish.isEmpty())
            return 0;
        Map<String, EntryProcessorResult<MetaOps.Outcome>> outcomes = store.metaCache().invokeAll(finish);
        EvictionListener l = cfg.getEvictionListener();
        List<BlockRecord> evicted = new ArrayList<>();
        long freed = 0;
        for (Candidate c : batch) {
            if (!finish.containsKey(c.key))
                continue;
            MetaOps.Outcome o = MetaOps.value(outcomes.get(c.key));
            if (o == MetaOps.Outcome.ABSENT && spilled.contains(c.key))
                lt.drop(c.key);
            if (o != MetaOps.Outcome.DONE)
                continue;
            if (l != null)
                l.onEvict(c.key, c.rec.toMeta(c.key, List.of()), ByteBuffer.wrap(payloads.get(c.key)).asReadOnlyBuffer());
            evicted.add(c.rec);
            (watermarkPass ? watermarkEvictions : roomEvictions).incrementAndGet();
            evictedBytes.addAndGet(c.rec.size);
            freed += RegionPages.reservedPages(c.rec.size, pageSize);
        }
        store.freePayloads(evicted);
        // A later spill of this batch may have made the tier drop an earlier one before its record named the tier
        // (the tier's drop notice then found nothing to clear): clear it now.
        for (String k : spilled)
            if (!lt.holds(k))
                store.metaCache().invoke(k, new MetaOps.TierGone(localId, Tier.SSD.bit()));
        return freed;
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

    @Override
    public void close() {
        stopping = true;
        monitor.shutdownNow();
    }
}
