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
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
 * <p>Accounting is in pages, by Ignite's own admission rule for in-memory regions without page eviction
 * ({@code IgniteCacheDatabaseSharedManager.ensureFreeSpaceForInsert}): an insert fails once
 * {@code rowPages + usedPages * (1 + 12 / pageSize) + 256 > maxSize / systemPageSize}. The usable capacity is that
 * bound less a small slack for index and free-list pages; the watermark applies to it.
 *
 * <p>Eviction: above {@code highWatermark} the node evicts {@code evictionRatio} of its eligible blocks (complete, in
 * memory here, not leased, not hard-pinned): a first pass over unpinned blocks, oldest access first; if that frees
 * less than needed, a second pass over more unpinned blocks and then, if allowed, soft-pinned ones, oldest first.
 */
final class SpaceGovernor implements AutoCloseable {
    private static final long RESERVATION_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);
    /** Pages Ignite keeps back in every in-memory region (see class comment). */
    private static final int IGNITE_RESERVED_PAGES = 256;

    private final Ignite ignite;
    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private final int pageSize;
    /** Pages the block payloads may occupy, counted as Ignite counts them. */
    private final long usablePages;
    private final Map<Long, long[]> pending = new HashMap<>();
    private long pendingPages;
    private long nextId;
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong evictedBytes = new AtomicLong();
    private final ScheduledExecutorService monitor;
    private volatile LowerTier lower;

    /** Where evicted payloads go instead of being dropped (the SSD tier), if configured. */
    interface LowerTier {
        /** @return true when the tier kept a copy of the payload */
        boolean spill(String key, BlockRecord rec, byte[] payload);

        void drop(String key);
    }

    SpaceGovernor(Ignite ignite, GridBlockStore store, KvGridConfiguration cfg, boolean monitorFill) {
        this.ignite = ignite;
        this.store = store;
        this.cfg = cfg;
        DataRegionMetrics m = ignite.dataRegionMetrics(cfg.getDataRegionName());
        this.pageSize = m == null ? cfg.getPageSizeBytes() : m.getPageSize();
        // Ignite's system page adds a small header to each page; 64 bytes bounds it from above.
        long maxPages = regionMaxSize(ignite, cfg) / (pageSize + 64) - IGNITE_RESERVED_PAGES;
        this.usablePages = (long) (maxPages * 0.98 / (1 + 12.0 / pageSize));
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

    private static long regionMaxSize(Ignite ignite, KvGridConfiguration cfg) {
        DataStorageConfiguration ds = ignite.configuration().getDataStorageConfiguration();
        if (ds != null && ds.getDataRegionConfigurations() != null)
            for (DataRegionConfiguration r : ds.getDataRegionConfigurations())
                if (r.getName().equals(cfg.getDataRegionName()))
                    return r.getMaxSize();
        return cfg.getDataRegionBytes();
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
        return evictions.get();
    }

    long evictedBytes() {
        return evictedBytes.get();
    }

    /** Pages a payload of {@code size} occupies: full data pages plus a fragment page and the key. */
    static long footprint(long size, int pageSize) {
        int usable = pageSize - 64;
        return (size + 128 + usable - 1) / usable + 1;
    }

    /**
     * Reserves {@code pages} of the region for a write about to land here, evicting first if that would cross the
     * high watermark. Returns a reservation id; NO_SPACE when nothing more can be evicted.
     */
    synchronized long reserve(long pages) {
        expire();
        long high = (long) (usablePages * cfg.getHighWatermark());
        for (int attempt = 0; ; attempt++) {
            long used = usedPages() + pendingPages;
            long freed = 0;
            if (used + pages > high) {
                freed = evict(used + pages - high, cfg.getTicker().millis());
                used = usedPages() + pendingPages;
            }
            if (used + pages <= usablePages) {
                long id = ++nextId;
                pending.put(id, new long[] {pages, System.nanoTime() + RESERVATION_TTL_NANOS});
                pendingPages += pages;
                return id;
            }
            if (freed == 0 || attempt >= 8)
                throw new KvGridException(ErrorCode.NO_SPACE, null, "node " + ignite.name() + ": block region holds "
                    + used + " of " + usablePages + " usable pages and every block left is leased or pinned; "
                    + pages + " more pages do not fit");
        }
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
                if (over > 0)
                    evict(over, cfg.getTicker().millis());
            }
        } catch (RuntimeException e) {
            // Node stopping, or the cluster changing: the next check retries.
        }
    }

    private record Candidate(String key, BlockRecord rec) {
    }

    /**
     * One eviction pass (see class comment); {@code neededPages} is what the pass should free at least. Returns the
     * pages freed. Package-private so tests can run a pass
     * at a chosen moment of an injected clock.
     */
    synchronized long evict(long neededPages, long now) {
        List<Candidate> unpinned = new ArrayList<>();
        List<Candidate> softPinned = new ArrayList<>();
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
            if (!r.complete() || !r.inMemory() || r.hardPin || r.leaseUntil > now)
                continue;
            if (!ignite.affinity(r.dataCache).isPrimaryOrBackup(local, r.dataKey))
                continue;
            (r.softPinUntil > now ? softPinned : unpinned).add(new Candidate(key, r));
        }
        Comparator<Candidate> oldestFirst = Comparator.<Candidate>comparingLong(c -> c.rec.lastAccess)
            .thenComparing(Candidate::key);
        unpinned.sort(oldestFirst);
        softPinned.sort(oldestFirst);
        int quota = (int) Math.ceil(cfg.getEvictionRatio() * (unpinned.size() + softPinned.size()));

        long freed = 0;
        int i = 0;
        for (; i < unpinned.size() && i < quota; i++)
            freed += evictOne(unpinned.get(i), now);
        for (; i < unpinned.size() && freed < neededPages; i++)
            freed += evictOne(unpinned.get(i), now);
        if (cfg.isEvictSoftPinned())
            for (int j = 0; j < softPinned.size() && freed < neededPages; j++)
                freed += evictOne(softPinned.get(j), now);
        return freed;
    }

    /** Evicts one block: lower tier and listener first, then the atomic re-check, then all payload replicas. */
    private long evictOne(Candidate c, long now) {
        BlockRecord r = c.rec;
        byte[] payload = store.data(r).localPeek(r.dataKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        if (payload == null)
            return 0;
        LowerTier lt = lower;
        String lowerNode = null;
        if (lt != null && lt.spill(c.key, r, payload))
            lowerNode = String.valueOf(ignite.cluster().localNode().consistentId());
        MetaOps.Outcome o = store.metaCache().invoke(c.key,
            new MetaOps.FinishEvict(r.dataKey, now, lowerNode, Tier.SSD.bit()));
        if (o == MetaOps.Outcome.ABSENT && lowerNode != null)
            lt.drop(c.key);
        if (o != MetaOps.Outcome.DONE)
            return 0;
        EvictionListener l = cfg.getEvictionListener();
        if (l != null)
            l.onEvict(c.key, r.toMeta(c.key, List.of()), ByteBuffer.wrap(payload).asReadOnlyBuffer());
        store.freePayload(r);
        evictions.incrementAndGet();
        evictedBytes.addAndGet(r.size);
        return footprint(r.size, pageSize);
    }

    /**
     * Writes zero payloads whose primary is this node into a scratch cache without backups until the region is filled
     * to just below the watermark, then removes them: Ignite keeps freed pages, so they stay faulted in for real
     * blocks. Returns the pages touched.
     */
    long preTouch() {
        var scratchCfg = GridCaches.dataConfig(cfg, 1);
        scratchCfg.setName(cfg.getCacheNamePrefix() + "-pretouch");
        var scratch = ignite.<String, byte[]>getOrCreateCache(scratchCfg);
        ClusterNode local = ignite.cluster().localNode();
        var aff = ignite.affinity(scratchCfg.getName());
        byte[] chunk = new byte[1 << 20];
        long target = (long) (usablePages * cfg.getHighWatermark() * 0.95);
        long start = usedPages();
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        try {
            for (long i = 0; usedPages() + footprint(chunk.length, pageSize) < target && i < 10_000_000; i++) {
                String k = "pretouch-" + i;
                if (!aff.isPrimary(local, k))
                    continue;
                synchronized (this) {
                    if (usedPages() + pendingPages + footprint(chunk.length, pageSize) >= target)
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
        monitor.shutdownNow();
    }
}
