package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.cache.processor.EntryProcessorResult;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.lang.IgniteFuture;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * Reads block records for a read or a lookup and extends their leases, rewriting only what is stale.
 */
final class RecordTouch {
    private static final Logger LOG = LoggerFactory.getLogger(RecordTouch.class);
    private final KvGridConfiguration cfg;
    private final IgniteCache<String, BlockRecord> meta;
    private final IgniteCache<String, org.apache.ignite.binary.BinaryObject> metaBinary;

    RecordTouch(BlockCaches caches) {
        this.cfg = caches.config();
        this.meta = caches.metaCache();
        this.metaBinary = meta.withKeepBinary();
    }


    /** Waits for a lease renewal started by {@link #touch}; the read it overlapped has finished. */
    static void awaitRenewal(org.apache.ignite.lang.IgniteFuture<?>[] renewal) {
        if (renewal[0] == null)
            return;
        try {
            Deadlines.get(renewal[0], "renewing leases");
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            // The payloads are read; only their leases were not renewed in time (the renewal runs on).
            LOG.debug("kvgrid: {}", e.getMessage());
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "renewing leases");
        }
    }

    /**
     * Touches (reads, leases) the records of {@code keys}; absent or incomplete keys are missing from the map. Reads
     * the records from any copy, then rewrites (through the Touch processor on each primary) only those whose lease
     * or access time is staler than the access granularity, or that count a lower-tier read, so a repeated read of
     * fresh blocks costs one getAll and no writes. {@code renewal}, when given, receives the future of lease renewals
     * of in-memory blocks, which then run while the caller fetches payloads; the caller must {@link #awaitRenewal}
     * before returning.
     */
    Map<String, BlockRecord> touch(Collection<String> keys, boolean lease, boolean payloadRead,
                                           org.apache.ignite.lang.IgniteFuture<?>[] renewal) {
        Set<String> set = keys instanceof Set ? (Set<String>) keys : new LinkedHashSet<>(keys);
        long now = cfg.getTicker().millis();
        long lt = lease ? cfg.getLeaseTtlMillis() : -1;
        long grain = Math.min(1_000, cfg.getLeaseTtlMillis() / 10);
        Map<String, BlockRecord> out = new HashMap<>();
        try {
            Set<String> stale = new LinkedHashSet<>();
            records(set).forEach((k, r) -> {
                if (!r.complete())
                    return;
                out.put(k, r);
                if (r.lastAccess < now - grain || (lt >= 0 && r.leaseUntil < now + lt - grain)
                    || (payloadRead && !r.inMemory()))
                    stale.add(k);
            });
            if (payloadRead && renewal != null) {
                // The payload is about to be read: renew the leases of in-memory blocks while it is fetched (the
                // caller awaits the renewal before returning). Blocks still leased for half a TTL or more need no
                // wait: their renewal (monotonic) is left running in the background, a bounded number at a time, so
                // a read of a fresh local copy costs no round trip to the metadata primary. Lower-tier reads renew
                // first: they count towards promotion, which the read decides.
                Set<String> renew = new LinkedHashSet<>();
                Set<String> later = new LinkedHashSet<>();
                for (String k : stale) {
                    BlockRecord r = out.get(k);
                    if (r.inMemory())
                        (lt >= 0 && r.leaseUntil >= now + lt / 2 ? later : renew).add(k);
                }
                if (!later.isEmpty() && !renewInBackground(later, new MetaOps.Touch(lt, true)))
                    renew.addAll(later);
                stale.removeAll(later);
                stale.removeAll(renew);
                if (!renew.isEmpty())
                    renewal[0] = meta.invokeAllAsync(renew, new MetaOps.Touch(lt, true));
            }
            if (stale.isEmpty())
                return out;
            Map<String, EntryProcessorResult<BlockRecord>> touched;
            try {
                touched = Deadlines.get(meta.invokeAllAsync(stale, new MetaOps.Touch(lt, payloadRead)),
                    "leasing " + stale.size() + " blocks");
            } catch (KvGridException e) {
                if (!Deadlines.passed(e))
                    throw e;
                return out; // read as they were, unleased: the touch runs on
            }
            for (String k : stale) {
                BlockRecord r = MetaOps.value(touched.get(k));
                if (r != null)
                    out.put(k, r);
                else
                    out.remove(k); // removed between the read and the touch: see lease()
            }
        } catch (KvGridException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "reading metadata of " + set.size() + " keys");
        }
        return out;
    }

    /**
     * The records of {@code keys} present: those held here (primary or backup copies, as Ignite's getAll reads them
     * with readFromBackup) read out of the local partitions, the others with one getAll. Ignite's getAll of a local
     * key costs its futures and entry checks: 3 JVMs, 1 MiB get 1.397 / 1.400 GB/s (p50 0.606 / 0.650 ms) against
     * 1.139 / 1.181 (0.854 / 0.784) through getAll, in two interleaved pairs of bench passes.
     */
    private Map<String, BlockRecord> records(Set<String> keys) {
        Map<String, BlockRecord> out = new HashMap<>();
        Set<String> answered = PayloadAccess.readLocal(meta, keys, out, BlockRecord.class);
        if (answered.size() == keys.size())
            return out; // the usual case: a node holds every record of a cluster of up to maxReplicas nodes
        Set<String> rest = new LinkedHashSet<>(keys);
        rest.removeAll(answered);
        out.putAll(Deadlines.get(meta.getAllAsync(rest), "reading metadata of " + rest.size() + " keys"));
        return out;
    }

    /** Renewals left running after reads returned; when all are taken, reads wait for their own. */
    private final Semaphore backgroundRenewals = new Semaphore(64);

    /** Starts {@code touch} on {@code keys} without waiting for it; false when too many are running already. */
    private boolean renewInBackground(Set<String> keys, MetaOps.Touch touch) {
        if (!backgroundRenewals.tryAcquire())
            return false;
        try {
            meta.invokeAllAsync(keys, touch).listen(f -> backgroundRenewals.release());
            return true;
        } catch (RuntimeException e) {
            backgroundRenewals.release();
            return false;
        }
    }

    /**
     * The lookup form of {@link #touch}: presence only, read from the binary records without deserializing them,
     * leases extended where stale. Returns the keys of complete blocks.
     */
    Set<String> lease(Collection<String> keys) {
        Set<String> set = keys instanceof Set ? (Set<String>) keys : new LinkedHashSet<>(keys);
        long now = cfg.getTicker().millis();
        long lt = cfg.getLeaseTtlMillis();
        long grain = Math.min(1_000, lt / 10);
        Set<String> present = new HashSet<>();
        Set<String> stale = new LinkedHashSet<>();
        try {
            Deadlines.get(metaBinary.getAllAsync(set), "reading metadata of " + set.size() + " keys").forEach((k, b) -> {
                if ((int) b.field("state") != BlockRecord.COMPLETE)
                    return;
                present.add(k);
                if ((long) b.field("lastAccess") < now - grain || (long) b.field("leaseUntil") < now + lt - grain)
                    stale.add(k);
            });
            if (!stale.isEmpty()) {
                Map<String, EntryProcessorResult<BlockRecord>> touched;
                try {
                    touched = Deadlines.get(meta.invokeAllAsync(stale, new MetaOps.Touch(lt, false)),
                        "leasing " + stale.size() + " blocks");
                } catch (KvGridException e) {
                    if (!Deadlines.passed(e))
                        throw e;
                    // Not leased in time: a lookup promises the block stays for a lease, so these are misses.
                    present.removeAll(stale);
                    return present;
                }
                // A record removed between the read and the touch (evicted, removed) is a miss. Ignite's invokeAll
                // leaves a processor's null result out of its map, so a key without a result is such a key.
                for (String k : stale)
                    if (MetaOps.value(touched.get(k)) == null)
                        present.remove(k);
            }
        } catch (KvGridException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "reading metadata of " + set.size() + " keys");
        }
        return present;
    }
}
