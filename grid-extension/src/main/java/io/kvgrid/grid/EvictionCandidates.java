package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;

import javax.cache.Cache;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The candidates of a node's eviction passes ({@link Evictor}): block copies held here, unpinned oldest access first,
 * then soft-pinned ones if they may go, as one scan of the node's records found them, and the keys passes are
 * evicting now.
 * <p>
 * A queue stays good for as long as it has candidates: each eviction re-checks its block's record and leaves a block
 * read, leased, pinned or rewritten since the scan (its access time or data key moved; a read within the access
 * grain of the last one moves nothing, so the order holds to within that grain), and blocks written since are newer
 * than every candidate. So writers only scan an exhausted queue, and the background pass rescans to find what a scan
 * could not take (leases and pins that ran out since) after {@link #REFRESH_NANOS}, or after ten times the last
 * scan's duration if that is longer (at most {@link #MAX_REFRESH_NANOS}): a scan reads every record held here (about
 * 150 ms for 110,000 records on 2 cores), so it takes about a tenth of the thread that runs it. It also rescans once
 * half the queue is taken, so that a new queue is ready before writers run out. A scan runs outside
 * the lock that passes take candidates under: writers go on taking from the old queue while it runs, and a pass that
 * waited for another's scan, begun after it asked, takes that one's queue instead of scanning again.
 */
final class EvictionCandidates {
    /**
     * A block copy that may be evicted, with its record as the scan read it. The scan keeps a copy: with
     * {@code copyOnRead} off, Ignite may hand the object it read to a later processor that changes it in place (a
     * read's touch moves its access time, a promotion its data key), and the eviction re-checks against what it picked.
     */
    record Candidate(String key, BlockRecord rec) {
    }

    private static final long REFRESH_NANOS = 1_000_000_000L;
    private static final long MAX_REFRESH_NANOS = 30 * REFRESH_NANOS;
    /** {@link #rescan}'s {@code askedAtNanos} for a pass that scans whatever was published meanwhile. */
    static final long ALWAYS = Long.MIN_VALUE;

    private final Ignite ignite;
    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private final int pageSize;
    /** Guards the queue, its position and scan facts, and {@link #batchesDone}. */
    private final Object lock = new Object();
    /** One scan at a time. */
    private final ReentrantLock scanLock = new ReentrantLock();
    private List<Candidate> queue = List.of();
    private int next;
    private long scanStartedNanos;
    /** The clock time ({@code now}) the published scan judged leases and pins by. */
    private long scannedNow;
    private long scanNanos;
    private long scannedTopology = -1;
    /** Pages of the watermark policy's batch as the last scan found it ({@code evictionRatio} of its candidates). */
    private long quotaPages;
    private long scans;
    private long batchesDone;
    /** Keys a pass is evicting now: taken once, skipped by scans. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Why the last scan could not offer more: blocks it had to leave (leased, hard-, soft-pinned). */
    private volatile String lastBlocked = "";

    EvictionCandidates(Ignite ignite, GridBlockStore store, KvGridConfiguration cfg, int pageSize) {
        this.ignite = ignite;
        this.store = store;
        this.cfg = cfg;
        this.pageSize = pageSize;
    }

    String lastBlocked() {
        return lastBlocked;
    }

    /** Scans run so far (a meter). */
    long scans() {
        synchronized (lock) {
            return scans;
        }
    }

    /** How long the last scan took, in seconds (a meter: the cost of choosing grows with the records held here). */
    double lastScanSeconds() {
        synchronized (lock) {
            return scanNanos / 1e9;
        }
    }

    /** Candidates left in the queue (a meter). */
    int left() {
        synchronized (lock) {
            return queue.size() - next;
        }
    }

    /**
     * Whether a pass should rescan before taking: the queue is exhausted, or the cluster's topology changed since (the
     * copies held here moved), or, for the background pass ({@code refresh}), the queue is past its refresh age or half
     * taken (so a new queue is ready before writers exhaust the old one and would scan themselves).
     */
    boolean stale(boolean refresh) {
        long topology = ignite.cluster().topologyVersion();
        synchronized (lock) {
            if (next >= queue.size() || topology != scannedTopology)
                return true;
            long refreshNanos = Math.max(REFRESH_NANOS, Math.min(MAX_REFRESH_NANOS, 10 * scanNanos));
            boolean halfTaken = 2 * (queue.size() - next) < queue.size();
            return refresh && (System.nanoTime() - scanEndedNanos() >= refreshNanos || halfTaken);
        }
    }

    /**
     * Scans the records of block copies held here into a new queue, unless, while this pass waited for the scan lock,
     * another published a scan that began at or after {@code askedAtNanos} (the pass's {@code System.nanoTime()} when
     * it found it needed one; {@link #ALWAYS}: never skip), or one that ended after it and still has candidates, and
     * judged leases and pins at {@code now} or later.
     * Returns the pages of the policy's batch ({@code evictionRatio} of the candidates, oldest unpinned first) when
     * {@code ahead}, else 0.
     */
    long rescan(long now, boolean ahead, long askedAtNanos) {
        scanLock.lock();
        try {
            synchronized (lock) {
                if (askedAtNanos != ALWAYS && scans > 0 && scannedNow >= now && (scanStartedNanos - askedAtNanos >= 0
                    || scanEndedNanos() - askedAtNanos >= 0 && next < queue.size()))
                    return ahead ? quotaPages : 0;
            }
            long topology = ignite.cluster().topologyVersion();
            long start = System.nanoTime();
            long[] quota = new long[1];
            List<Candidate> all = scan(now, quota);
            long end = System.nanoTime();
            synchronized (lock) {
                queue = all;
                next = 0;
                scanStartedNanos = start;
                scannedNow = now;
                scanNanos = end - start;
                scannedTopology = topology;
                quotaPages = quota[0];
                scans++;
                return ahead ? quotaPages : 0;
            }
        } finally {
            scanLock.unlock();
        }
    }

    /** When the published scan ended; under {@link #lock}. */
    private long scanEndedNanos() {
        return scanStartedNanos + scanNanos;
    }

    /** The pages of the watermark policy's batch as the last scan found it. */
    long quotaPages() {
        synchronized (lock) {
            return quotaPages;
        }
    }

    /**
     * The next candidates of the queue that no other pass holds, enough by their sizes to free {@code pages}, at most
     * {@code batchSize}.
     */
    List<Candidate> take(long pages, int batchSize) {
        synchronized (lock) {
            List<Candidate> batch = new ArrayList<>();
            for (long f = 0; next < queue.size() && batch.size() < batchSize && f < pages; next++) {
                Candidate c = queue.get(next);
                if (!inFlight.add(c.key()))
                    continue;
                batch.add(c);
                f += RegionPages.reservedPages(c.rec().size, pageSize);
            }
            return batch;
        }
    }

    /**
     * A pass finished evicting {@code batch} (evicted or left): its keys may be taken again. Only a batch that
     * {@code freedRoom} counts in {@link #batchesDone}: a writer whose own batches freed nothing must not take them
     * for room another pass made, and retry (a scan each time) until it gives up.
     */
    void done(List<Candidate> batch, boolean freedRoom) {
        synchronized (lock) {
            for (Candidate c : batch)
                inFlight.remove(c.key());
            if (freedRoom)
                batchesDone++;
            lock.notifyAll();
        }
    }

    /** Batches that freed room, by any pass; a writer compares it before and after its own pass. */
    long batchesDone() {
        synchronized (lock) {
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
        synchronized (lock) {
            if (batchesDone != seenBatches)
                return true;
            if (inFlight.isEmpty())
                return false;
            lock.wait(millis);
            return true;
        }
    }

    /**
     * Reads every record of a block copy held here; unpinned oldest first, then soft-pinned ones if they may go. Sets
     * {@code quotaPages[0]} to the pages of the oldest unpinned {@code evictionRatio} of all candidates, pinned
     * softly or not (the watermark policy's batch).
     */
    private List<Candidate> scan(long now, long[] quotaPages) {
        List<Candidate> unpinned = new ArrayList<>();
        List<Candidate> softPinned = new ArrayList<>();
        int leased = 0;
        int hard = 0;
        ClusterNode local = ignite.cluster().localNode();
        var held = store.metaCache().localEntries(CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
        for (Cache.Entry<String, BlockRecord> e : held) {
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
            (r.softPinUntil > now ? softPinned : unpinned).add(new Candidate(key, r.copy()));
        }
        Comparator<Candidate> oldestFirst = Comparator.<Candidate>comparingLong(c -> c.rec().lastAccess)
            .thenComparing(Candidate::key);
        unpinned.sort(oldestFirst);
        softPinned.sort(oldestFirst);
        int quota = (int) Math.ceil(cfg.getEvictionRatio() * (unpinned.size() + softPinned.size()));
        for (Candidate c : unpinned.subList(0, Math.min(quota, unpinned.size())))
            quotaPages[0] += RegionPages.reservedPages(c.rec().size, pageSize);
        lastBlocked = leased + " leased, " + hard + " hard-pinned"
            + (cfg.isEvictSoftPinned() ? "" : ", " + softPinned.size() + " soft-pinned (evictSoftPinned is off)")
            + " block copies here";
        if (cfg.isEvictSoftPinned())
            unpinned.addAll(softPinned);
        return unpinned;
    }
}
