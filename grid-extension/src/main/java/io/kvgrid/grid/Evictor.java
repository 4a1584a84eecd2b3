package io.kvgrid.grid;

import io.kvgrid.EvictionListener;
import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;

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
 * atomically, tells the eviction listener, frees the payloads. Candidates come from {@link EvictionCandidates}; only
 * taking a batch of them runs under a lock, so several passes (the background one, writers that need room) evict
 * disjoint batches at once, and never under the lock writers take to reserve room: a pass makes cluster round trips
 * and SSD writes.
 */
final class Evictor {
    private final Ignite ignite;
    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private final int pageSize;
    /** What passes evict, oldest first; evicting runs outside its lock, several passes at once. */
    private final EvictionCandidates candidates;
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
        this.candidates = new EvictionCandidates(ignite, store, cfg, pageSize);
    }

    /** Where evicted payloads go instead of being dropped (the node's tiers below memory), if it has some. */
    void tiers(NodeTiers tiers) {
        this.tiers = tiers;
    }

    EvictionCandidates candidates() {
        return candidates;
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
        return evictPass(neededPages, now, true, true, false);
    }

    /** A pass of the background eviction: evicts about {@code neededPages}, counted as watermark evictions. */
    long backgroundPass(long neededPages, long now) {
        return evictPass(neededPages, now, false, true, false);
    }

    /**
     * The metadata region is past its high watermark (many blocks with long keys): removes whole blocks (record,
     * payload, lower-tier copy), {@code evictionRatio} of the evictable records this node is primary for, oldest
     * access first. Leased and pinned blocks stay; a lease taken meanwhile is honoured by the removal itself.
     */
    int evictForMetadata(long now) {
        List<EvictionCandidates.Candidate> eligible = new ArrayList<>();
        for (Cache.Entry<String, BlockRecord> e : store.metaCache().localEntries(CachePeekMode.PRIMARY)) {
            BlockRecord r = e.getValue();
            if (r.complete() && !r.hardPin && r.leaseUntil <= now
                && (r.softPinUntil <= now || cfg.isEvictSoftPinned()))
                eligible.add(new EvictionCandidates.Candidate(e.getKey(), r.copy())); // see Candidate
        }
        eligible.sort(Comparator.<EvictionCandidates.Candidate>comparingLong(c -> c.rec().lastAccess)
            .thenComparing(EvictionCandidates.Candidate::key));
        int n = Math.min(eligible.size(), Math.max(1, (int) Math.ceil(cfg.getEvictionRatio() * eligible.size())));
        int removed = 0;
        for (int i = 0; i < n; i += BATCH) {
            List<String> keys = new ArrayList<>();
            for (EvictionCandidates.Candidate c : eligible.subList(i, Math.min(n, i + BATCH)))
                keys.add(c.key());
            var res = store.batchRemove(keys, false);
            for (int j = 0; j < keys.size(); j++) {
                if (!res.get(j).ok())
                    continue;
                removed++;
                watermarkEvictions.incrementAndGet();
                evictedBytes.addAndGet(eligible.get(i + j).rec().size);
            }
        }
        return removed;
    }

    /**
     * One eviction pass (see class comment); {@code neededPages} is what the pass should free at least. Returns the
     * pages freed. Package-private so tests can run a pass
     * at a chosen moment of an injected clock.
     */
    long evict(long neededPages, long now) {
        return evict(neededPages, now, true);
    }

    /**
     * A writer's pass ({@code ahead} false): evicts what it needs from the queue as it stands. With {@code ahead}, a
     * fresh scan and the watermark policy's batch too.
     */
    long evict(long neededPages, long now, boolean ahead) {
        return evictPass(neededPages, now, ahead, false, ahead);
    }

    /**
     * Evicts batch by batch until {@code neededPages} are freed (with {@code ahead}, at least the policy's batch of
     * {@code evictionRatio} too) or no candidate is left. Candidates come from {@link EvictionCandidates}: a writer
     * ({@code !watermark && !ahead}) scans only when the queue is exhausted, the background and watermark passes also
     * when it is past its refresh age or half taken, and a {@code fresh} pass (tests, at a chosen moment of an
     * injected clock) always.
     * Taking a batch is the only step under a lock; the eviction itself (cluster round trips, writes to the tiers below,
     * Ignite freeing the rows) runs outside it, so a writer that needs room evicts a batch of its own beside the
     * background pass instead of waiting behind it: on a full region both then free pages, and neither core idles.
     */
    private long evictPass(long neededPages, long now, boolean ahead, boolean watermark, boolean fresh) {
        long asked = System.nanoTime();
        boolean scanned = fresh || candidates.stale(watermark || ahead);
        if (scanned)
            neededPages = Math.max(neededPages,
                candidates.rescan(now, ahead, fresh ? EvictionCandidates.ALWAYS : asked));
        else if (ahead)
            neededPages = Math.max(neededPages, candidates.quotaPages());
        long freed = 0;
        while (freed < neededPages) {
            asked = System.nanoTime();
            List<EvictionCandidates.Candidate> batch = candidates.take(neededPages - freed, BATCH);
            if (batch.isEmpty()) {
                if (scanned)
                    return freed;
                candidates.rescan(now, false, asked);
                scanned = true;
                continue;
            }
            long freedHere = 0;
            try {
                freedHere = evictBatch(batch, now, watermark);
                freed += freedHere;
            } finally {
                candidates.done(batch, freedHere > 0);
            }
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
    private long evictBatch(List<EvictionCandidates.Candidate> batch, long now, boolean watermark) {
        NodeTiers lt = tiers;
        String localId = String.valueOf(ignite.cluster().localNode().consistentId());
        Map<String, MetaOps.FinishEvict> finish = new LinkedHashMap<>();
        Map<String, byte[]> payloads = new HashMap<>();
        Map<String, Integer> spilled = new HashMap<>();
        // The payload is read only for whom it goes to: the tiers below, the eviction listener. Otherwise it is freed
        // unread (2 MiB blocks: a copy out of the region per block would cost as much as the write that needs room).
        boolean needBytes = lt != null || cfg.getEvictionListener() != null;
        for (EvictionCandidates.Candidate c : batch) {
            BlockRecord r = c.rec();
            byte[] payload = needBytes
                ? store.data(r).localPeek(r.dataKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP) : null;
            if (needBytes && payload == null)
                continue;
            int kept = lt == null ? 0 : lt.spill(c.key(), r, payload);
            if (kept != 0) {
                spilled.put(c.key(), kept);
                store.meters().spilled(payload.length);
            }
            if (payload != null)
                payloads.put(c.key(), payload);
            finish.put(c.key(), new MetaOps.FinishEvict(r.dataKey, r.lastAccess, now, kept != 0 ? localId : null,
                kept));
        }
        if (finish.isEmpty())
            return 0;
        Map<String, EntryProcessorResult<MetaOps.Outcome>> outcomes = store.metaCache().invokeAll(finish);
        EvictionListener l = cfg.getEvictionListener();
        List<BlockRecord> evicted = new ArrayList<>();
        long freed = 0;
        for (EvictionCandidates.Candidate c : batch) {
            if (!finish.containsKey(c.key()))
                continue;
            MetaOps.Outcome o = MetaOps.value(outcomes.get(c.key()));
            if (o == MetaOps.Outcome.ABSENT && spilled.containsKey(c.key()))
                lt.below().remove(c.key());
            if (o != MetaOps.Outcome.DONE)
                continue;
            if (l != null)
                l.onEvict(c.key(), c.rec().toMeta(c.key(), List.of()),
                    ByteBuffer.wrap(payloads.get(c.key())).asReadOnlyBuffer());
            evicted.add(c.rec());
            (watermark ? watermarkEvictions : roomEvictions).incrementAndGet();
            evictedBytes.addAndGet(c.rec().size);
            freed += RegionPages.reservedPages(c.rec().size, pageSize);
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
