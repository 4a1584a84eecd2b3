package io.kvgrid.grid;

import io.kvgrid.EvictionListener;
import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;

import javax.cache.Cache;
import javax.cache.processor.EntryProcessorResult;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A server node's eviction passes (watermark policy, see {@link SpaceGovernor}): picks blocks whose copies live here,
 * writes each payload down to the node's tiers below memory (when it has some), re-checks and updates the metadata
 * atomically, tells the eviction listener, frees the payloads. Choosing candidates runs under a lock of its own;
 * evicting them runs outside it, so several passes (the background one, writers that need room) evict disjoint
 * batches at once, and never under the lock writers take to reserve room: a pass makes cluster round trips and SSD
 * writes.
 */
final class Evictor {
    private final Ignite ignite;
    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private final int pageSize;
    /** Guards choosing candidates (the scan, the queue); evicting them runs outside it, several passes at once. */
    private final Object passLock = new Object();
    /** Why the last eviction pass could not free more: blocks it had to leave (leased, hard-, soft-pinned). */
    private volatile String lastBlocked = "";
    /** Evictions by the watermark monitor, and those a write needing room ran (reported as reason "full"). */
    private final AtomicLong watermarkEvictions = new AtomicLong();
    private final AtomicLong roomEvictions = new AtomicLong();
    private final AtomicLong evictedBytes = new AtomicLong();
    private volatile NodeTiers tiers;

    Evictor(Ignite ignite, GridBlockStore store, KvGridConfiguration cfg, int pageSize) {
        this.ignite = ignite;
        this.store = store;
        this.cfg = cfg;
        this.pageSize = pageSize;
    }

    /** Where evicted payloads go instead of being dropped (the node's tiers below memory), if it has some. */
    void tiers(NodeTiers tiers) {
        this.tiers = tiers;
    }

    String lastBlocked() {
        return lastBlocked;
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

    /** A pass of the watermark monitor: evicts at least {@code neededPages} and the policy's batch. */
    long watermarkPass(long neededPages, long now) {
        return evictPass(neededPages, now, true, true);
    }

    /** A pass of the background eviction: evicts about {@code neededPages}, counted as watermark evictions. */
    long backgroundPass(long neededPages, long now) {
        return evictPass(neededPages, now, false, true);
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
    long evict(long neededPages, long now) {
        return evict(neededPages, now, true);
    }

    /** {@code ahead}: also evict the watermark policy's batch, not only {@code neededPages}. */
    long evict(long neededPages, long now, boolean ahead) {
        return evictPass(neededPages, now, ahead, false);
    }

    /**
     * Candidates of the last scan not yet handed to a pass, oldest first: passes take from here for up to
     * {@link #QUEUE_NANOS} instead of scanning every record again (a background pass runs whenever writes pass the
     * wake-up fill). A candidate read, pinned or rewritten since is left alone by the eviction's own re-check.
     * Guarded by {@link #passLock}, as are {@link #inFlight} (keys a pass is evicting now, which a new scan skips)
     * and {@link #lastBlocked}'s scan.
     */
    private List<Candidate> queue = List.of();
    private int queueNext;
    private long queuedAtNanos;
    private final java.util.Set<String> inFlight = new java.util.HashSet<>();
    private long batchesDone;
    private static final long QUEUE_NANOS = 1_000_000_000L;
    private static final long WRITER_QUEUE_NANOS = 5 * QUEUE_NANOS;

    /**
     * Evicts batch by batch until {@code neededPages} are freed (with {@code ahead}, at least the policy's batch of
     * {@code evictionRatio} too) or no candidate is left. Only choosing a batch runs under {@link #passLock}; the
     * eviction itself (cluster round trips, writes to the tiers below, Ignite freeing the rows) runs outside it, so
     * a writer that needs room evicts a batch of its own beside the background pass instead of waiting behind it:
     * on a full region both then free pages, and neither core idles.
     */
    private long evictPass(long neededPages, long now, boolean ahead, boolean watermark) {
        long freed = 0;
        boolean scanned = false;
        while (true) {
            List<Candidate> batch;
            synchronized (passLock) {
                // A writer needing room takes from a queue up to WRITER_QUEUE_NANOS old while candidates are left (the
                // eviction re-checks each: a block read since is leased by the read and stays); it scans an empty or
                // older queue. A scan reads every record (1-11 ms for 430 records on 2 cores, beside a 0.3 ms put of
                // 2 MiB); the background pass rescans a queue past QUEUE_NANOS on its 100 ms tick.
                long age = System.nanoTime() - queuedAtNanos;
                boolean stale = age >= (watermark || ahead ? QUEUE_NANOS : WRITER_QUEUE_NANOS);
                if ((ahead && !scanned) || queueNext >= queue.size() || stale) {
                    if (scanned)
                        return freed;
                    long quotaPages = scan(now, ahead);
                    scanned = true;
                    neededPages = Math.max(neededPages, quotaPages);
                }
                if (freed >= neededPages)
                    return freed;
                batch = take(neededPages - freed);
                if (batch.isEmpty()) {
                    if (scanned)
                        return freed;
                    queueNext = queue.size();
                    continue;
                }
            }
            try {
                freed += evictBatch(batch, now, watermark);
            } finally {
                synchronized (passLock) {
                    for (Candidate c : batch)
                        inFlight.remove(c.key);
                    batchesDone++;
                    passLock.notifyAll();
                }
            }
        }
    }

    /** Batches any pass has finished evicting; a writer compares it before and after its own pass. */
    long batchesDone() {
        synchronized (passLock) {
            return batchesDone;
        }
    }

    /**
     * When other passes are evicting now, waits until one of their batches is done (at most {@code millis}) and
     * returns true: a pass that found nothing left to take may still get room from them. Also true at once when a
     * batch finished since {@code seenBatches} (the writer's pass found the candidates another pass held, and that
     * pass ended before this call: its room is there to take). False at once otherwise.
     */
    boolean awaitInFlight(long millis, long seenBatches) throws InterruptedException {
        synchronized (passLock) {
            if (batchesDone != seenBatches)
                return true;
            if (inFlight.isEmpty())
                return false;
            passLock.wait(millis);
            return true;
        }
    }

    /** The next candidates of the queue, enough by their sizes to free {@code pages}, at most a batch; under the lock. */
    private List<Candidate> take(long pages) {
        List<Candidate> batch = new ArrayList<>();
        for (long f = 0; queueNext < queue.size() && batch.size() < BATCH && f < pages; queueNext++) {
            Candidate c = queue.get(queueNext);
            if (!inFlight.add(c.key))
                continue;
            batch.add(c);
            f += RegionPages.reservedPages(c.rec.size, pageSize);
        }
        return batch;
    }

    /**
     * Scans the records of block copies held here into the queue (unpinned oldest first, then soft-pinned if they
     * may go); under the lock. Returns the pages of the policy's batch ({@code evictionRatio} of the candidates,
     * oldest first) when {@code ahead}, else 0.
     */
    private long scan(long now, boolean ahead) {
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
            if (!r.complete() || !r.inMemory() || inFlight.contains(key))
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
        long quotaPages = 0;
        for (Candidate c : unpinned.subList(0, Math.min(quota, unpinned.size())))
            quotaPages += RegionPages.reservedPages(c.rec.size, pageSize);
        List<Candidate> all = new ArrayList<>(unpinned);
        if (cfg.isEvictSoftPinned())
            all.addAll(softPinned);
        queue = all;
        queueNext = 0;
        queuedAtNanos = System.nanoTime();
        return quotaPages;
    }

    /** Blocks evicted per batch: one request per owning node for their metadata and one for their payloads. */
    private static final int BATCH = 64;

    /**
     * Evicts a batch of blocks, in order: each payload goes to the lower tier first, then the metadata of all is
     * re-checked and updated atomically (a block read, hard-pinned or rewritten since it was picked stays), then the
     * listener sees the evicted ones, then all their payload replicas are freed. Returns the pages freed.
     */
    private long evictBatch(List<Candidate> batch, long now, boolean watermark) {
        NodeTiers lt = tiers;
        String localId = String.valueOf(ignite.cluster().localNode().consistentId());
        Map<String, MetaOps.FinishEvict> finish = new LinkedHashMap<>();
        Map<String, byte[]> payloads = new HashMap<>();
        Map<String, Integer> spilled = new HashMap<>();
        // The payload is read only for whom it goes to: the tiers below, the eviction listener. Otherwise it is freed
        // unread (2 MiB blocks: a copy out of the region per block would cost as much as the write that needs room).
        boolean needBytes = lt != null || cfg.getEvictionListener() != null;
        for (Candidate c : batch) {
            BlockRecord r = c.rec;
            byte[] payload = needBytes
                ? store.data(r).localPeek(r.dataKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP) : null;
            if (needBytes && payload == null)
                continue;
            int kept = lt == null ? 0 : lt.spill(c.key, r, payload);
            if (kept != 0) {
                spilled.put(c.key, kept);
                store.meters().spilled(payload.length);
            }
            if (payload != null)
                payloads.put(c.key, payload);
            finish.put(c.key, new MetaOps.FinishEvict(r.dataKey, now, kept != 0 ? localId : null, kept));
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
            if (o == MetaOps.Outcome.ABSENT && spilled.containsKey(c.key))
                lt.below().remove(c.key);
            if (o != MetaOps.Outcome.DONE)
                continue;
            if (l != null)
                l.onEvict(c.key, c.rec.toMeta(c.key, List.of()), ByteBuffer.wrap(payloads.get(c.key)).asReadOnlyBuffer());
            evicted.add(c.rec);
            (watermark ? watermarkEvictions : roomEvictions).incrementAndGet();
            evictedBytes.addAndGet(c.rec.size);
            freed += RegionPages.reservedPages(c.rec.size, pageSize);
        }
        store.freePayloads(evicted);
        // A later spill of this batch may have made a tier drop (or write down) an earlier one before its record named
        // the tier (the drop notice then found nothing to correct): correct it now.
        spilled.forEach((k, bits) -> {
            int held = lt.holdingBelow(k);
            if (held != bits)
                store.metaCache().invoke(k, new MetaOps.TierGone(localId, held));
        });
        return freed;
    }
}
