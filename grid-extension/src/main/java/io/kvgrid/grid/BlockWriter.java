package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.Tier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.cache.processor.EntryProcessorResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The write path: a payload under a data key unique to the write, then its complete record; room reserved first,
 * payloads nobody points at freed after.
 */
final class BlockWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BlockWriter.class);
    private final BlockCaches caches;
    private final Ignite ignite;
    private final KvGridConfiguration cfg;
    private final IgniteCache<String, BlockRecord> meta;
    private final RoomReservations room;
    private final StoreMeters meters;
    private final String writerId;
    private final String versionPrefix;
    private final AtomicLong writeSeq = new AtomicLong();
    /** Names of this node's puts sent over block channels. */
    private final WriteIds writeIds;
    /** On client nodes: writes go to the records' primaries over their block channels; null on server nodes. */
    private final ChannelRoutes channel;

    BlockWriter(BlockCaches caches, RoomReservations room, ChannelRoutes channel) {
        this.channel = channel;
        this.caches = caches;
        this.ignite = caches.ignite();
        this.cfg = caches.config();
        this.meta = caches.metaCache();
        this.room = room;
        this.meters = caches.meters();
        ClusterNode local = ignite.cluster().localNode();
        this.writerId = local.id().toString();
        this.writeIds = new WriteIds(writerId);
        // Node order is unique among the nodes that ever joined this cluster: with the counter, a unique data key.
        this.versionPrefix = KvGridAffinity.versionPrefix(local.order());
    }

    /**
     * Writes the payloads, then installs their records: two batched round trips whatever the number of keys. A
     * record is only ever installed complete, so readers never see a half-written block; every write has its own
     * data key, so a payload written for a key that turns out to exist (or that a concurrent upsert replaced) never
     * touches the stored one, and is dropped. A writer that dies between the two steps leaves a payload no record
     * points at, named by its data key's version prefix; {@code OrphanCleaner} removes those once it left.
     */
    List<KeyResult<PutResult>> write(List<String> keys, List<byte[]> payloads, PutOptions options, boolean replace) {
        return write(keys, payloads, options, replace, null);
    }

    /**
     * {@link #write} of a put call named {@code writeId} ({@link WriteIds}; null for none): a key whose record that
     * same call installed already (it was sent before, over a connection that broke) is reported as written by it.
     */
    List<KeyResult<PutResult>> write(List<String> keys, List<byte[]> payloads, PutOptions options, boolean replace,
                                     String writeId) {
        WriteIds.checked(writeId);
        long t0 = System.nanoTime();
        List<KeyResult<PutResult>> res;
        try {
            res = Deadlines.within(cfg.getWriteDeadlineMillis(), "writeDeadlineMillis",
                () -> viaChannel(keys, options) ? writeRemotely(keys, payloads, options, replace)
                    : writeBlocks(keys, payloads, options, replace, writeId));
        } catch (KvGridException e) {
            keys.forEach(k -> meters.rejected(e.code()));
            throw e;
        } finally {
            meters.put.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
        meters.written(res, payloads);
        return res;
    }

    /**
     * A client node's write goes to the records' primaries over their block channels: the payload crosses the network
     * once to the node that then writes it (and its backup) and installs the record locally, instead of a room
     * reservation, a payload write and a record install each making their round trips from here. A GPU pin stays on
     * the usual path (it pins into the writing node's own tier), as does a batch naming a key twice.
     */
    private boolean viaChannel(List<String> keys, PutOptions options) {
        return channel != null && BlockChannelClient.takes(keys, Args.nonNull(options, "options"));
    }

    private List<KeyResult<PutResult>> writeRemotely(List<String> keys, List<byte[]> payloads, PutOptions options,
                                                     boolean replace) {
        // The arguments are checked here, as the usual path checks them, before anything is sent.
        replicas(options);
        softPinTtl(options);
        Map<String, byte[]> byKey = new HashMap<>();
        for (int i = 0; i < keys.size(); i++)
            byKey.put(keys.get(i), payloads.get(i));
        long t0 = System.nanoTime();
        long[] usual = new long[1];
        String writeId = writeIds.next();
        try {
            return channel.write(keys, byKey, BlockChannelWire.PutHeader.of(options, replace, writeId), rest -> {
                long t1 = System.nanoTime();
                List<byte[]> restPayloads = new ArrayList<>(rest.size());
                for (String k : rest)
                    restPayloads.add(byKey.get(k));
                try {
                    return writeBlocks(rest, restPayloads, options, replace, writeId);
                } finally {
                    usual[0] = System.nanoTime() - t1; // timed in its own steps
                }
            });
        } finally {
            meters.putChannel.record(StoreMeters.since(t0) - usual[0], TimeUnit.NANOSECONDS);
        }
    }

    private List<KeyResult<PutResult>> writeBlocks(List<String> keys, List<byte[]> payloads, PutOptions options,
                                                   boolean replace, String writeId) {
        Args.nonNull(options, "options");
        long now = cfg.getTicker().millis();
        int replicas = replicas(options);
        long softPinTtl = softPinTtl(options);
        IgniteCache<String, byte[]> cache = caches.data(replicas);
        String cacheName = cache.getName();

        Map<String, BlockRecord> recs = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            BlockRecord r = new BlockRecord();
            r.state = BlockRecord.COMPLETE;
            r.size = payloads.get(i).length;
            r.crc = Payloads.crc(payloads.get(i));
            r.replicas = replicas;
            r.dataCache = cacheName;
            r.dataKey = placement(keys.get(i), cacheName, options.preferredNode());
            r.created = now;
            r.lastAccess = now;
            r.hardPin = options.hardPin();
            r.tiers = Tier.MEMORY.bit();
            r.writer = writeId != null ? writeId : writerId;
            recs.put(keys.get(i), r);
        }

        Map<ClusterNode, Long> reserved;
        long t0 = System.nanoTime();
        try {
            reserved = room.reserve(recs.values());
        } catch (KvGridException e) {
            return failedAll(keys, e);
        } finally {
            meters.putReserve.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
        List<KeyResult<PutResult>> res;
        try {
            res = writeAndInstall(keys, payloads, replace, softPinTtl, cache, recs, writeId);
        } finally {
            room.release(reserved);
        }
        if (options.gpuPin())
            pinAbove(keys, payloads, recs, res);
        return res;
    }

    /** The GPU pin put option: stored blocks also go into this node's tiers above memory, pinned there. */
    private void pinAbove(List<String> keys, List<byte[]> payloads, Map<String, BlockRecord> recs,
                          List<KeyResult<PutResult>> res) {
        NodeTiers tiers = KvGridRuntime.tiers(ignite);
        if (tiers == null || tiers.above() == null)
            return;
        for (int i = 0; i < keys.size(); i++)
            if (res.get(i).ok() && !res.get(i).value().existed())
                tiers.pinAbove(keys.get(i), payloads.get(i), recs.get(keys.get(i)).crc);
    }

    private List<KeyResult<PutResult>> writeAndInstall(List<String> keys, List<byte[]> payloads, boolean replace,
                                                       long softPinTtl, IgniteCache<String, byte[]> cache,
                                                       Map<String, BlockRecord> recs, String writeId) {
        Map<String, byte[]> toWrite = new HashMap<>();
        for (int i = 0; i < keys.size(); i++)
            toWrite.put(recs.get(keys.get(i)).dataKey, payloads.get(i));
        org.apache.ignite.lang.IgniteFuture<Void> writing = null;
        long t0 = System.nanoTime();
        try {
            writing = PayloadAccess.putAllAsync(cache, toWrite);
            Deadlines.get(writing, "writing payload of " + keys.size() + " blocks");
        } catch (RuntimeException e) {
            KvGridException err = Failures.wrap(e, "writing payload of " + keys.size() + " blocks");
            if (writing != null && Deadlines.passed(err))
                afterwards(writing, () -> freeQuietly(recs.values())); // no record will name them
            else
                freeQuietly(recs.values());
            return failedAll(keys, err);
        } finally {
            meters.putPayload.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }

        Map<String, MetaOps.Install> installs = new LinkedHashMap<>();
        recs.forEach((k, r) -> installs.put(k, new MetaOps.Install(r, replace, softPinTtl)));
        Map<String, EntryProcessorResult<MetaOps.Result>> installed;
        org.apache.ignite.lang.IgniteFuture<Map<String, EntryProcessorResult<MetaOps.Result>>> installing = null;
        long t1 = System.nanoTime();
        try {
            installing = meta.invokeAllAsync(installs);
            installed = Deadlines.get(installing, "installing " + keys.size() + " records");
        } catch (RuntimeException e) {
            KvGridException err = Failures.wrap(e, "installing " + keys.size() + " records");
            if (installing == null || !Deadlines.passed(err))
                return settleFailedInstall(keys, recs, err);
            // Not acknowledged: each record appears whole when the stalled node answers, or never; once the
            // install is done, the payloads of records not installed are dropped.
            afterwards(installing, () -> settleFailedInstall(keys, recs, err));
            return failedAll(keys, err);
        } finally {
            meters.putInstall.record(StoreMeters.since(t1), TimeUnit.NANOSECONDS);
        }
        KeyResult<PutResult>[] out = newResults(keys.size());
        List<BlockRecord> garbage = new ArrayList<>();
        Map<String, BlockRecord> markers = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            BlockRecord r = recs.get(k);
            MetaOps.Result res = MetaOps.value(installed.get(k));
            if (res.outcome == MetaOps.Outcome.NO_ROOM) {
                out[i] = KeyResult.failed(k, new KvGridException(ErrorCode.NO_SPACE, "key", "the metadata region of the "
                    + "node owning " + k + " is full and nothing in it may be evicted"));
                garbage.add(r);
                continue;
            }
            if (res.outcome == MetaOps.Outcome.EXISTS) {
                // Stored by this same put call, sent before over a connection that broke: the block is its write. Same
                // name and same bytes: a name alone is what the client says, and must not turn another block into it.
                boolean ours = writeId != null && writeId.equals(res.rec.writer) && res.rec.size == r.size
                    && res.rec.crc == r.crc;
                out[i] = KeyResult.ok(k, new PutResult(!ours, caches.copies(res.rec)));
                garbage.add(r); // our payload: the stored block stands
                continue;
            }
            out[i] = KeyResult.ok(k, new PutResult(false, caches.copies(r)));
            if (res.rec != null && res.rec.complete())
                garbage.add(res.rec); // the block this upsert replaced
            if (KvGridAffinity.displaced(r.dataKey))
                markers.put(r.dataKey, marker(k));
        }
        if (!markers.isEmpty()) {
            try {
                meta.putAll(markers);
            } catch (RuntimeException e) {
                throw Failures.wrap(e, "placing markers of " + markers.size() + " blocks");
            }
        }
        freeQuietly(garbage);
        return List.of(out);
    }

    /**
     * The install request failed, perhaps after installing some records: those are stored (report them so), the rest
     * fail and their payloads are dropped. If even that cannot be found out, every key fails and its payload stays
     * until this node leaves the cluster ({@code OrphanCleaner}): never drop a payload a record may point at.
     */
    private List<KeyResult<PutResult>> settleFailedInstall(List<String> keys, Map<String, BlockRecord> recs,
                                                           KvGridException err) {
        Map<String, BlockRecord> now;
        try {
            now = meta.getAll(recs.keySet());
        } catch (RuntimeException e) {
            return failedAll(keys, err);
        }
        List<KeyResult<PutResult>> out = new ArrayList<>();
        List<BlockRecord> garbage = new ArrayList<>();
        for (String k : keys) {
            BlockRecord ours = recs.get(k);
            BlockRecord r = now.get(k);
            if (r != null && ours.dataKey.equals(r.dataKey)) {
                out.add(KeyResult.ok(k, new PutResult(false, caches.copies(r))));
            } else {
                out.add(KeyResult.failed(k, err));
                garbage.add(ours);
            }
        }
        freeQuietly(garbage);
        return out;
    }

    /**
     * Runs {@code then} once {@code request} is done (a write that ran past its deadline), off Ignite's threads: it
     * makes cache calls of its own.
     */
    private static void afterwards(org.apache.ignite.lang.IgniteFuture<?> request, Runnable then) {
        request.listen(f -> java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
            try {
                then.run();
            } catch (RuntimeException e) {
                LOG.warn("kvgrid: settling a write that ran past its deadline failed, left to the orphan cleaner: {}",
                    e.toString());
            }
        }));
    }

    private static List<KeyResult<PutResult>> failedAll(List<String> keys, KvGridException err) {
        List<KeyResult<PutResult>> out = new ArrayList<>();
        for (String k : keys)
            out.add(KeyResult.failed(k, err));
        return out;
    }

    /**
     * Frees payloads no record points at (any more); a failure leaves them to {@code OrphanCleaner} rather than
     * failing a put whose block is stored.
     */
    private void freeQuietly(Collection<BlockRecord> unreferenced) {
        try {
            freePayloads(unreferenced);
        } catch (RuntimeException e) {
            // The cluster is failing: what is left is reclaimed once this node has left it.
            LOG.warn("kvgrid: could not free {} unreferenced payload(s) (data key {}), left to the orphan cleaner: {}",
                unreferenced.size(), unreferenced.isEmpty() ? "-" : unreferenced.iterator().next().dataKey,
                e.toString());
        }
    }

    private static BlockRecord marker(String key) {
        BlockRecord m = new BlockRecord();
        m.state = BlockRecord.REF;
        m.dataKey = key;
        return m;
    }

    /** Frees the in-memory payloads of records (all replicas) and their placement markers. */
    void freePayloads(Collection<BlockRecord> recs) {
        Map<Integer, Set<String>> byCache = new HashMap<>();
        Set<String> markers = new LinkedHashSet<>();
        for (BlockRecord r : recs) {
            if (!r.inMemory())
                continue;
            byCache.computeIfAbsent(r.replicas, x -> new LinkedHashSet<>()).add(r.dataKey);
            if (KvGridAffinity.displaced(r.dataKey))
                markers.add(r.dataKey);
        }
        byCache.forEach((rep, dataKeys) -> UnreadRemovals.remove(caches.data(rep), dataKeys));
        if (!markers.isEmpty())
            meta.removeAll(markers);
    }


    void freePayload(BlockRecord r) {
        freePayloads(List.of(r));
    }
    int replicas(PutOptions o) {
        int r = o.replicas() == PutOptions.DEFAULT_REPLICAS ? cfg.getDefaultReplicas() : o.replicas();
        if (r > cfg.getMaxReplicas())
            throw Args.invalid("replicas", r + " exceeds maxReplicas " + cfg.getMaxReplicas());
        return r;
    }

    /** The soft pin's TTL in ms (the owner of the record sets its end by its own clock), or -1 for none. */
    long softPinTtl(PutOptions o) {
        if (o.softPinTtl() == null)
            return -1;
        long ttl;
        try {
            ttl = o.softPinTtl().isZero() ? cfg.getDefaultSoftPinTtlMillis() : o.softPinTtl().toMillis();
        } catch (ArithmeticException e) {
            ttl = Long.MAX_VALUE;
        }
        if (ttl > cfg.getMaxSoftPinTtlMillis())
            throw Args.invalid("softPin", "TTL " + o.softPinTtl() + " exceeds maxSoftPinTtlMillis "
                + cfg.getMaxSoftPinTtlMillis() + " ms");
        return ttl;
    }

    /**
     * The data key of a new write: unique to it, and salted until the preferred node is its primary (best effort,
     * bounded tries; the metadata records the chosen key, so readers need not know the preference).
     */
    String placement(String key, String cacheName, String preferred) {
        String version = versionPrefix + Long.toString(writeSeq.incrementAndGet(), 36);
        if (preferred != null) {
            for (ClusterNode n : ignite.cluster().forServers().nodes()) {
                if (!preferred.equals(String.valueOf(n.consistentId())))
                    continue;
                int[] parts = ignite.affinity(cacheName).primaryPartitions(n);
                if (parts.length > 0)
                    return KvGridAffinity.dataKey(key, version, parts[(key.hashCode() & 0x7fffffff) % parts.length]);
            }
        }
        return KvGridAffinity.dataKey(key, version);
    }


    @SuppressWarnings("unchecked")
    private static <T> KeyResult<T>[] newResults(int n) {
        return new KeyResult[n];
    }
}
