package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.BlockTask;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.NodeStats;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.RemoveResult;
import io.kvgrid.Tier;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.cache.processor.EntryProcessorResult;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The grid tier: blocks in partitioned Ignite caches, metadata ({@link BlockRecord}) apart from payload.
 *
 * <p>A write puts the payload under a data key unique to this write, then installs the complete record in the
 * metadata cache. Readers only see records, so a writer that dies mid-put leaves nothing visible; {@link OrphanCleaner}
 * reclaims its payload when it leaves the cluster. Unique data keys mean a removal or a replaced block can never
 * delete the payload of a newer write of the same key.
 */
public final class GridBlockStore implements BlockStore {
    private static final Logger LOG = LoggerFactory.getLogger(GridBlockStore.class);
    private final Ignite ignite;
    private final KvGridConfiguration cfg;
    private final IgniteCache<String, BlockRecord> meta;
    private final IgniteCache<String, org.apache.ignite.binary.BinaryObject> metaBinary;
    private final Map<Integer, IgniteCache<String, byte[]>> data = new ConcurrentHashMap<>();
    private final String writerId;
    private final String versionPrefix;
    private final int pageSize;
    private volatile SpaceGovernor governor;
    private final AtomicLong writeSeq = new AtomicLong();
    private final BlockTasks tasks;
    private final ShardStaging staging;
    private final StoreMeters meters;

    public GridBlockStore(Ignite ignite, KvGridConfiguration cfg) {
        this.ignite = ignite;
        this.cfg = new KvGridConfiguration(cfg);
        this.meta = ignite.getOrCreateCache(GridCaches.metaConfig(this.cfg));
        this.metaBinary = meta.withKeepBinary();
        ClusterNode local = ignite.cluster().localNode();
        this.writerId = local.id().toString();
        // Node order is unique among the nodes that ever joined this cluster: with the counter, a unique data key.
        this.versionPrefix = KvGridAffinity.versionPrefix(local.order());
        var ds = ignite.configuration().getDataStorageConfiguration();
        this.pageSize = ds == null || ds.getPageSize() == 0 ? 4096 : ds.getPageSize();
        this.tasks = new BlockTasks(this.cfg.getAsyncThreads());
        data(this.cfg.getDefaultReplicas());
        this.staging = this.cfg.getShardsPerBlock() > 1 ? new ShardStaging(ignite, this.cfg) : null;
        this.meters = new StoreMeters(this.cfg.getMeterRegistry(), String.valueOf(local.consistentId()));
    }

    StoreMeters meters() {
        return meters;
    }

    void governor(SpaceGovernor governor) {
        this.governor = governor;
    }

    Ignite ignite() {
        return ignite;
    }

    KvGridConfiguration config() {
        return cfg;
    }

    IgniteCache<String, BlockRecord> metaCache() {
        return meta;
    }

    IgniteCache<String, byte[]> data(int replicas) {
        return data.computeIfAbsent(replicas, r -> ignite.getOrCreateCache(GridCaches.dataConfig(cfg, r)));
    }

    IgniteCache<String, byte[]> data(BlockRecord rec) {
        return data(rec.replicas);
    }

    /** The data caches that exist in the cluster (one per replica count some node has written with). */
    List<IgniteCache<String, byte[]>> existingDataCaches() {
        Collection<String> names = ignite.cacheNames();
        List<IgniteCache<String, byte[]>> out = new ArrayList<>();
        for (int r = 1; r <= cfg.getMaxReplicas(); r++)
            if (names.contains(GridCaches.dataCache(cfg, r)))
                out.add(data(r));
        return out;
    }

    // ================================================================ writes

    @Override
    public PutResult putParts(String key, List<ByteBuffer> parts, PutOptions options) {
        ensureOpen();
        return putOne(key, parts, options, false, "parts");
    }

    @Override
    public PutResult upsertParts(String key, List<ByteBuffer> parts, PutOptions options) {
        ensureOpen();
        return putOne(key, parts, options, true, "parts");
    }

    // Single-key forms validate here so errors name their own arguments, not those of the batch call beneath.

    @Override
    public PutResult put(String key, byte[] value, PutOptions options) {
        ensureOpen();
        return putOne(key, List.of(ByteBuffer.wrap(Args.nonNull(value, "value"))), options, false, "value");
    }

    @Override
    public PutResult putFrom(String key, ByteBuffer buffer, PutOptions options) {
        ensureOpen();
        return putOne(key, List.of(Args.nonNull(buffer, "buffer")), options, false, "buffer");
    }

    @Override
    public PutResult upsert(String key, byte[] value, PutOptions options) {
        ensureOpen();
        return putOne(key, List.of(ByteBuffer.wrap(Args.nonNull(value, "value"))), options, true, "value");
    }

    @Override
    public byte[] get(String key) {
        ensureOpen();
        Args.checkKey(key, "key");
        long t0 = System.nanoTime();
        try {
            return reading(() -> readBlocks(List.of(key))).get(0).valueOrThrow();
        } finally {
            meters.get.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public int getInto(String key, ByteBuffer buffer) {
        ensureOpen();
        Args.checkKey(key, "key");
        Args.nonNull(buffer, "buffer");
        if (buffer.isReadOnly())
            throw Args.invalid("buffer", "is read-only");
        long t0 = System.nanoTime();
        try {
            return reading(() -> getInto(List.of(key), List.of(buffer), i -> "buffer")).get(0).valueOrThrow();
        } finally {
            meters.get.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public boolean exists(String key) {
        ensureOpen();
        Args.checkKey(key, "key");
        return lookup(List.of(key))[0];
    }

    @Override
    public void remove(String key, boolean force) {
        ensureOpen();
        Args.checkKey(key, "key");
        batchRemove(List.of(key), force).get(0).valueOrThrow();
    }

    private PutResult putOne(String key, List<ByteBuffer> parts, PutOptions options, boolean replace, String arg) {
        byte[] payload;
        try {
            Args.checkKey(key, "key");
            payload = Payloads.asArray(parts, Payloads.totalSize(parts, cfg.getMaxBlockBytes(), arg));
        } catch (KvGridException e) {
            meters.rejected(e.code());
            throw e;
        }
        return write(List.of(key), List.of(payload), options, replace).get(0).valueOrThrow();
    }

    @Override
    public List<KeyResult<PutResult>> batchPutFrom(List<String> keys, List<ByteBuffer> values, PutOptions options) {
        ensureOpen();
        Args.checkKeys(keys, "keys", true);
        Args.checkBuffers(values, "values", false);
        Args.sameLength(keys.size(), values.size(), "values");
        int[] sizes = new int[keys.size()];
        for (int i = 0; i < sizes.length; i++)
            sizes[i] = Payloads.totalSize(List.of(values.get(i)), cfg.getMaxBlockBytes(), "values[" + i + "]");
        List<byte[]> payloads = new ArrayList<>(keys.size());
        for (int i = 0; i < sizes.length; i++)
            payloads.add(Payloads.asArray(List.of(values.get(i)), sizes[i]));
        return write(keys, payloads, options, false);
    }

    /**
     * Writes the payloads, then installs their records: two batched round trips whatever the number of keys. A
     * record is only ever installed complete, so readers never see a half-written block; every write has its own
     * data key, so a payload written for a key that turns out to exist (or that a concurrent upsert replaced) never
     * touches the stored one, and is dropped. A writer that dies between the two steps leaves a payload no record
     * points at, named by its data key's version prefix; {@code OrphanCleaner} removes those once it left.
     */
    List<KeyResult<PutResult>> write(List<String> keys, List<byte[]> payloads, PutOptions options, boolean replace) {
        long t0 = System.nanoTime();
        List<KeyResult<PutResult>> res;
        try {
            res = Deadlines.within(cfg.getWriteDeadlineMillis(), "writeDeadlineMillis",
                () -> writeBlocks(keys, payloads, options, replace));
        } catch (KvGridException e) {
            keys.forEach(k -> meters.rejected(e.code()));
            throw e;
        } finally {
            meters.put.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
        meters.written(res, payloads);
        return res;
    }

    private List<KeyResult<PutResult>> writeBlocks(List<String> keys, List<byte[]> payloads, PutOptions options,
                                                   boolean replace) {
        Args.nonNull(options, "options");
        long now = cfg.getTicker().millis();
        int replicas = replicas(options);
        long softPinTtl = softPinTtl(options);
        IgniteCache<String, byte[]> cache = data(replicas);
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
            r.writer = writerId;
            recs.put(keys.get(i), r);
        }

        Map<ClusterNode, Long> reserved;
        try {
            reserved = reserve(recs.values());
        } catch (KvGridException e) {
            return failedAll(keys, e);
        }
        try {
            return writeAndInstall(keys, payloads, replace, softPinTtl, cache, recs);
        } finally {
            release(reserved);
        }
    }

    private List<KeyResult<PutResult>> writeAndInstall(List<String> keys, List<byte[]> payloads, boolean replace,
                                                       long softPinTtl, IgniteCache<String, byte[]> cache,
                                                       Map<String, BlockRecord> recs) {
        Map<String, byte[]> toWrite = new HashMap<>();
        for (int i = 0; i < keys.size(); i++)
            toWrite.put(recs.get(keys.get(i)).dataKey, payloads.get(i));
        org.apache.ignite.lang.IgniteFuture<Void> writing = null;
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
        }

        Map<String, MetaOps.Install> installs = new LinkedHashMap<>();
        recs.forEach((k, r) -> installs.put(k, new MetaOps.Install(r, replace, softPinTtl)));
        Map<String, EntryProcessorResult<MetaOps.Result>> installed;
        org.apache.ignite.lang.IgniteFuture<Map<String, EntryProcessorResult<MetaOps.Result>>> installing = null;
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
                out[i] = KeyResult.ok(k, new PutResult(true, copies(res.rec)));
                garbage.add(r); // our payload: the stored block stands
                continue;
            }
            out[i] = KeyResult.ok(k, new PutResult(false, copies(r)));
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
                out.add(KeyResult.ok(k, new PutResult(false, copies(r))));
            } else {
                out.add(KeyResult.failed(k, err));
                garbage.add(ours);
            }
        }
        freeQuietly(garbage);
        return out;
    }

    /** Runs {@code then} on the store's executor once {@code request} is done (a write that ran past its deadline). */
    private void afterwards(org.apache.ignite.lang.IgniteFuture<?> request, Runnable then) {
        request.listen(f -> {
            try {
                tasks.submit(then);
            } catch (RuntimeException e) {
                LOG.warn("kvgrid: store closing, a late write is left to the orphan cleaner: {}", e.toString());
            }
        });
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
        byCache.forEach((rep, dataKeys) -> data(rep).removeAll(dataKeys));
        if (!markers.isEmpty())
            meta.removeAll(markers);
    }

    /** Drops the lower-tier copies of removed blocks: one request per node holding copies. */
    private void dropLower(Map<String, BlockRecord> removed) {
        Map<String, List<String>> byNode = new HashMap<>();
        removed.forEach((k, r) -> {
            if (r.onSsd())
                byNode.computeIfAbsent(r.ssdNode, x -> new ArrayList<>()).add(k);
        });
        byNode.forEach((node, ks) -> {
            ClusterNode n = serverByConsistentId(node);
            if (n == null)
                return;
            if (n.isLocal()) {
                TierBridge b = KvGridRuntime.bridge(ignite);
                if (b != null)
                    ks.forEach(b::drop);
            } else {
                ignite.compute(ignite.cluster().forNode(n)).call(new TierJobs.Drop(ks));
            }
        });
    }

    void freePayload(BlockRecord r) {
        freePayloads(List.of(r));
    }

    /**
     * Reserves region room on every node that will hold a copy of these payloads: one request per node. A node that
     * left since the mapping was computed means the affinity is about to change: map again, briefly later.
     */
    private Map<ClusterNode, Long> reserve(Collection<BlockRecord> recs) {
        for (int attempt = 0; ; attempt++) {
            try {
                return reserveOnce(recs);
            } catch (KvGridException e) {
                if (e.code() != ErrorCode.NODE_UNAVAILABLE || attempt >= 50)
                    throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Room a remote node reserved for this writer ahead of need, consumed here without a round trip; the node counts
     * it as reserved until this writer releases it (when replaced, after {@link #CREDIT_NANOS}, or on close).
     */
    private static final class Credit {
        final ClusterNode node;
        final long id;
        final long expiresNanos;
        long left;

        Credit(ClusterNode node, long id, long left) {
            this.node = node;
            this.id = id;
            this.left = left;
            this.expiresNanos = System.nanoTime() + CREDIT_NANOS;
        }
    }

    /** Well inside the 30 s after which a node forgets a reservation. */
    private static final long CREDIT_NANOS = 20_000_000_000L;
    /** In {@code granted}: room covered by a credit, nothing to release after the write. */
    private static final long FROM_CREDIT = -2;
    private final Map<java.util.UUID, Credit> credits = new HashMap<>();

    private boolean takeCredit(ClusterNode n, long pages) {
        synchronized (credits) {
            Credit c = credits.get(n.id());
            if (c == null || c.left < pages || System.nanoTime() - c.expiresNanos > 0)
                return false;
            c.left -= pages;
            return true;
        }
    }

    private void newCredit(ClusterNode n, long id, long left) {
        Credit old;
        synchronized (credits) {
            old = credits.put(n.id(), new Credit(n, id, left));
        }
        if (old != null)
            release(Map.of(old.node, old.id));
    }

    private Map<ClusterNode, Long> reserveOnce(Collection<BlockRecord> recs) {
        Map<ClusterNode, Long> need = new HashMap<>();
        for (BlockRecord r : recs)
            for (ClusterNode n : ignite.affinity(r.dataCache).mapKeyToPrimaryAndBackups(r.dataKey))
                need.merge(n, RegionPages.reservedPages(r.size, pageSize), Long::sum);
        Map<ClusterNode, Long> granted = new HashMap<>();
        Map<ClusterNode, org.apache.ignite.lang.IgniteFuture<long[]>> remote = new HashMap<>();
        try {
            for (Map.Entry<ClusterNode, Long> e : need.entrySet()) {
                ClusterNode n = e.getKey();
                if (n.isLocal())
                    continue;
                if (takeCredit(n, e.getValue()))
                    granted.put(n, FROM_CREDIT);
                else
                    remote.put(n, ignite.compute(ignite.cluster().forNode(n)).callAsync(new SpaceJobs.Reserve(e.getValue())));
            }
            SpaceGovernor g = governor;
            for (Map.Entry<ClusterNode, Long> e : need.entrySet())
                if (e.getKey().isLocal() && g != null)
                    granted.put(e.getKey(), g.reserve(e.getValue()));
            for (Map.Entry<ClusterNode, org.apache.ignite.lang.IgniteFuture<long[]>> e : remote.entrySet()) {
                long[] r = Deadlines.get(e.getValue(), "reserving room on node " + e.getKey().consistentId());
                if (r[0] >= 0)
                    newCredit(e.getKey(), r[0], r[1] - need.get(e.getKey()));
                granted.put(e.getKey(), FROM_CREDIT);
            }
            return granted;
        } catch (RuntimeException e) {
            release(granted);
            throw Failures.wrap(e, "reserving block-region room");
        }
    }

    private void release(Map<ClusterNode, Long> granted) {
        for (Map.Entry<ClusterNode, Long> e : granted.entrySet()) {
            long id = e.getValue();
            if (id < 0)
                continue;
            try {
                if (e.getKey().isLocal())
                    governor.release(id);
                else
                    ignite.compute(ignite.cluster().forNode(e.getKey())).runAsync(new SpaceJobs.Release(id));
            } catch (RuntimeException ignored) {
                // Node gone; its reservations went with it (or expire).
            }
        }
    }

    private int replicas(PutOptions o) {
        int r = o.replicas() == PutOptions.DEFAULT_REPLICAS ? cfg.getDefaultReplicas() : o.replicas();
        if (r > cfg.getMaxReplicas())
            throw Args.invalid("replicas", r + " exceeds maxReplicas " + cfg.getMaxReplicas());
        return r;
    }

    /** The soft pin's TTL in ms (the owner of the record sets its end by its own clock), or -1 for none. */
    private long softPinTtl(PutOptions o) {
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
    private String placement(String key, String cacheName, String preferred) {
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

    private int copies(BlockRecord r) {
        if (!r.inMemory())
            return 0;
        return ignite.affinity(r.dataCache).mapKeyToPrimaryAndBackups(r.dataKey).size();
    }

    /**
     * Consistent ids of the live nodes holding memory copies, primary first. Right after a node leaves, the affinity
     * can still name it until the topology exchange completes: departed nodes are left out.
     */
    List<String> replicaNodes(BlockRecord r) {
        List<String> ids = new ArrayList<>();
        if (r.inMemory())
            for (ClusterNode n : ignite.affinity(r.dataCache).mapKeyToPrimaryAndBackups(r.dataKey))
                if (ignite.cluster().node(n.id()) != null)
                    ids.add(String.valueOf(n.consistentId()));
        return ids;
    }

    // ================================================================ reads

    /** Waits for a lease renewal started by {@link #touch}; the read it overlapped has finished. */
    private static void awaitRenewal(org.apache.ignite.lang.IgniteFuture<?>[] renewal) {
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
    private Map<String, BlockRecord> touch(Collection<String> keys, boolean lease, boolean payloadRead,
                                           org.apache.ignite.lang.IgniteFuture<?>[] renewal) {
        Set<String> set = keys instanceof Set ? (Set<String>) keys : new LinkedHashSet<>(keys);
        long now = cfg.getTicker().millis();
        long lt = lease ? cfg.getLeaseTtlMillis() : -1;
        long grain = Math.min(1_000, cfg.getLeaseTtlMillis() / 10);
        Map<String, BlockRecord> out = new HashMap<>();
        try {
            Set<String> stale = new LinkedHashSet<>();
            Deadlines.get(meta.getAllAsync(set), "reading metadata of " + set.size() + " keys").forEach((k, r) -> {
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
            touched.forEach((k, v) -> {
                BlockRecord r = MetaOps.value(v);
                if (r != null)
                    out.put(k, r);
                else
                    out.remove(k); // removed between the read and the touch
            });
        } catch (KvGridException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "reading metadata of " + set.size() + " keys");
        }
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
    private Set<String> lease(Collection<String> keys) {
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
                touched.forEach((k, v) -> {
                    if (MetaOps.value(v) == null)
                        present.remove(k);
                });
            }
        } catch (KvGridException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "reading metadata of " + set.size() + " keys");
        }
        return present;
    }

    /**
     * Fetches payloads by block key: from memory with one getAll per data cache (one request per owning node), from
     * lower tiers with one request per node holding copies. Values are byte[] or the KvGridException of that key.
     * Blocks read from a lower tier often enough are promoted back into memory.
     */
    private Map<String, Object> fetch(Map<String, BlockRecord> recs) {
        Map<Integer, Map<String, String>> memory = new HashMap<>();
        Map<String, List<String>> lower = new HashMap<>();
        for (Map.Entry<String, BlockRecord> e : recs.entrySet()) {
            BlockRecord r = e.getValue();
            if (r.inMemory())
                memory.computeIfAbsent(r.replicas, x -> new HashMap<>()).put(r.dataKey, e.getKey());
            else if (r.onSsd())
                lower.computeIfAbsent(r.ssdNode, x -> new ArrayList<>()).add(e.getKey());
        }
        Map<String, Object> out = new HashMap<>();
        try {
            memory.forEach((rep, dataToKey) -> {
                // Copies held here are read without Ignite's extra copy, while the request for the others is out;
                // what could not be read here after all goes with one get or getAll.
                Map<String, byte[]> got = new HashMap<>();
                IgniteCache<String, byte[]> cache = data(rep);
                Set<String> local = PayloadAccess.owned(cache, dataToKey.keySet());
                Set<String> remote = new HashSet<>(dataToKey.keySet());
                remote.removeAll(local);
                IgniteFuture<Map<String, byte[]>> remoteGot = local.isEmpty() || remote.isEmpty() ? null
                    : cache.getAllAsync(remote);
                Set<String> rest = remoteGot == null ? remote : new HashSet<>();
                PayloadAccess.read(cache, local, got);
                for (String dk : local)
                    if (!got.containsKey(dk))
                        rest.add(dk);
                if (remoteGot != null)
                    late(() -> got.putAll(Deadlines.get(remoteGot, "reading payloads")), remote, dataToKey, out);
                if (rest.size() == 1) {
                    // Ignite's single-key get takes a lighter path than getAll (one request, no multi-key future).
                    String dk = rest.iterator().next();
                    late(() -> {
                        byte[] b = Deadlines.get(cache.getAsync(dk), "reading a payload");
                        if (b != null)
                            got.put(dk, b);
                    }, rest, dataToKey, out);
                } else if (!rest.isEmpty()) {
                    late(() -> got.putAll(Deadlines.get(cache.getAllAsync(rest), "reading payloads")), rest,
                        dataToKey, out);
                }
                got.forEach((dk, bytes) -> out.put(dataToKey.get(dk), bytes));
            });
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "reading payloads");
        }
        // A complete record whose payload is missing: lost with its nodes, or a crash between a spill and its metadata
        // update. Correct the record; read the lower-tier copy where one exists.
        for (Map<String, String> dataToKey : memory.values())
            for (String k : dataToKey.values())
                if (out.get(k) == null) {
                    BlockRecord now = memoryGone(k, recs.get(k));
                    if (now != null && now.onSsd() && !now.inMemory())
                        lower.computeIfAbsent(now.ssdNode, x -> new ArrayList<>()).add(k);
                }
        lower.forEach((node, keys) -> out.putAll(readLower(node, keys)));
        for (Map.Entry<String, List<String>> e : lower.entrySet())
            for (String k : e.getValue())
                if (out.get(k) instanceof byte[] b && recs.get(k).lowerReads >= cfg.getPromotionThreshold())
                    promoteLater(k, recs.get(k), b);
        return out;
    }

    /**
     * Runs a payload request; past the read deadline its blocks get the TIMEOUT (not null: a payload not answered for
     * is not a payload lost, and must not correct the record).
     */
    private static void late(Runnable request, Set<String> dataKeys, Map<String, String> dataToKey,
                             Map<String, Object> out) {
        try {
            request.run();
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            for (String dk : dataKeys)
                out.putIfAbsent(dataToKey.get(dk), e);
        }
    }

    /** Applies {@link MetaOps.MemoryGone} for a record whose payload was not found; returns the record now. */
    BlockRecord memoryGone(String key, BlockRecord r) {
        BlockRecord now;
        try {
            now = MetaOps.value(Deadlines.get(meta.invokeAllAsync(Set.of(key), new MetaOps.MemoryGone(r.dataKey)),
                "correcting the record of " + key).get(key));
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            return r; // the correction runs on; this read reports the block missing
        }
        if (now == null && KvGridAffinity.displaced(r.dataKey))
            meta.remove(r.dataKey); // its placement marker
        return now;
    }

    private Map<String, Object> readLower(String node, List<String> keys) {
        ClusterNode n = serverByConsistentId(node);
        if (n == null) {
            Map<String, Object> out = new HashMap<>();
            for (String k : keys)
                out.put(k, new KvGridException(ErrorCode.NODE_UNAVAILABLE, "key", "node " + node + " holding " + k + " left"));
            return out;
        }
        if (n.isLocal())
            return TierJobs.read(KvGridRuntime.bridge(ignite), keys);
        try {
            return Deadlines.get(ignite.compute(ignite.cluster().forNode(n)).callAsync(new TierJobs.Read(keys)),
                "reading lower tier of " + node);
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            Map<String, Object> out = new HashMap<>();
            for (String k : keys)
                out.put(k, e);
            return out;
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "reading lower tier of " + node);
        }
    }

    private ClusterNode serverByConsistentId(String id) {
        for (ClusterNode n : ignite.cluster().forServers().nodes())
            if (id.equals(String.valueOf(n.consistentId())))
                return n;
        return null;
    }

    /**
     * Copies a lower-tier block back into memory (best effort: no room, or a rewrite meanwhile, skips it). The write
     * is asynchronous and stores its array as it is, so it takes a copy: {@code read} also goes to the caller.
     */
    private void promoteLater(String key, BlockRecord r, byte[] read) {
        byte[] bytes = read.clone();
        try {
            tasks.submit(() -> {
                BlockRecord m = r.copy();
                m.replicas = Math.max(1, Math.min(r.replicas, cfg.getMaxReplicas()));
                IgniteCache<String, byte[]> cache = data(m.replicas);
                m.dataCache = cache.getName();
                m.dataKey = placement(key, m.dataCache, null);
                Map<ClusterNode, Long> reserved = reserve(List.of(m));
                try {
                    PayloadAccess.put(cache, m.dataKey, bytes);
                    if (!Boolean.TRUE.equals(meta.invoke(key, new MetaOps.Promote(m))))
                        cache.remove(m.dataKey);
                    else
                        meters.promoted();
                } finally {
                    release(reserved);
                }
            });
        } catch (KvGridException ignored) {
            // store closing
        }
    }

    /** The payload of {@code r}, checked; the key's own error, NOT_FOUND or CHECKSUM_MISMATCH as a typed error. */
    private byte[] verified(String key, BlockRecord r, Object fetched) {
        if (fetched instanceof KvGridException e) {
            if (e.code() == ErrorCode.CHECKSUM_MISMATCH)
                meters.verifyFailed();
            throw e;
        }
        byte[] bytes = (byte[]) fetched;
        if (bytes == null)
            throw new KvGridException(ErrorCode.NOT_FOUND, "key", "block " + key + " was removed or evicted while read");
        if (bytes.length != r.size || (cfg.isVerifyOnRead() && Payloads.crc(bytes) != r.crc)) {
            meters.verifyFailed();
            throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "key", "payload of " + key + " does not match its metadata");
        }
        return bytes;
    }

    private static KvGridException notFound(String key) {
        return new KvGridException(ErrorCode.NOT_FOUND, "key", "no block " + key);
    }

    @Override
    public List<KeyResult<byte[]>> batchGet(List<String> keys) {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        long t0 = System.nanoTime();
        try {
            return reading(() -> readBlocks(keys));
        } finally {
            meters.batchGet.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    /** {@code body} under the read deadline ({@link Deadlines}). */
    private <T> T reading(java.util.function.Supplier<T> body) {
        return Deadlines.within(cfg.getReadDeadlineMillis(), "readDeadlineMillis", body);
    }

    /** Every key failed with {@code e}. */
    private static <T> List<KeyResult<T>> failedKeys(List<String> keys, KvGridException e) {
        KeyResult<T>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++)
            out[i] = KeyResult.failed(keys.get(i), e);
        return List.of(out);
    }

    private List<KeyResult<byte[]>> readBlocks(List<String> keys) {
        org.apache.ignite.lang.IgniteFuture<?>[] renewal = new org.apache.ignite.lang.IgniteFuture<?>[1];
        Map<String, BlockRecord> recs;
        try {
            recs = touch(keys, true, true, renewal);
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            return failedKeys(keys, e);
        }
        Map<String, Object> bytes = fetch(recs);
        awaitRenewal(renewal);
        KeyResult<byte[]>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++) {
            String k = keys.get(i);
            BlockRecord r = recs.get(k);
            try {
                meters.read(r);
                if (r == null)
                    throw notFound(k);
                out[i] = KeyResult.ok(k, verified(k, r, bytes.get(k)));
            } catch (KvGridException e) {
                out[i] = KeyResult.failed(k, e);
            }
        }
        return List.of(out);
    }

    @Override
    public List<KeyResult<Integer>> batchGetInto(List<String> keys, List<ByteBuffer> buffers) {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        Args.checkBuffers(buffers, "buffers", true);
        Args.sameLength(keys.size(), buffers.size(), "buffers");
        long t0 = System.nanoTime();
        try {
            return reading(() -> getInto(keys, buffers, i -> "buffers[" + i + "]"));
        } finally {
            meters.batchGet.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    private List<KeyResult<Integer>> getInto(List<String> keys, List<ByteBuffer> buffers,
                                             java.util.function.IntFunction<String> bufferArg) {
        org.apache.ignite.lang.IgniteFuture<?>[] renewal = new org.apache.ignite.lang.IgniteFuture<?>[1];
        Map<String, BlockRecord> recs;
        try {
            recs = touch(keys, true, true, renewal);
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            return failedKeys(keys, e);
        }
        Map<String, BlockRecord> wanted = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            BlockRecord r = recs.get(keys.get(i));
            if (r != null && r.size <= buffers.get(i).remaining())
                wanted.put(keys.get(i), r);
        }
        Map<String, Object> bytes = fetch(wanted);
        awaitRenewal(renewal);
        KeyResult<Integer>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++) {
            String k = keys.get(i);
            BlockRecord r = recs.get(k);
            ByteBuffer buf = buffers.get(i);
            try {
                meters.read(r);
                if (r == null)
                    throw notFound(k);
                if (r.size > buf.remaining())
                    throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, bufferArg.apply(i),
                        "block " + k + " has " + r.size + " bytes, buffer has " + buf.remaining() + " remaining");
                byte[] b = verified(k, r, bytes.get(k));
                buf.put(b);
                out[i] = KeyResult.ok(k, b.length);
            } catch (KvGridException e) {
                out[i] = KeyResult.failed(k, e);
            }
        }
        return List.of(out);
    }

    @Override
    public Optional<BlockMeta> query(String key) {
        ensureOpen();
        Args.checkKey(key, "key");
        BlockRecord r = touch(List.of(key), true, false, null).get(key);
        return r == null ? Optional.empty() : Optional.of(r.toMeta(key, replicaNodes(r)));
    }

    @Override
    public List<String> listKeys(String regex) {
        ensureOpen();
        Args.regex(regex);
        try {
            return meta.query(new ScanQuery<>(new ScanFilters.KeyMatches(regex, cfg.getRegexTimeoutMillis())),
                ScanFilters.KEY).getAll();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause())
                if (t instanceof ScanFilters.RegexTimeout || String.valueOf(t.getMessage()).contains("regex scan ran out"))
                    throw new KvGridException(ErrorCode.TIMEOUT, "regex", "matching " + regex + " took longer than "
                        + cfg.getRegexTimeoutMillis() + " ms on a node (regexTimeoutMillis)", e);
            throw Failures.wrap(e, "scanning keys");
        }
    }

    @Override
    public boolean[] lookup(List<String> ids) {
        ensureOpen();
        Args.checkKeys(ids, "ids", false);
        boolean[] found = new boolean[ids.size()];
        if (ids.isEmpty())
            return found;
        long t0 = System.nanoTime();
        Set<String> present;
        try {
            present = reading(() -> lease(ids));
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            present = Set.of(); // nodes holding the records did not answer in time: every id is a miss
        }
        for (int i = 0; i < found.length; i++)
            found[i] = present.contains(ids.get(i));
        meters.lookup.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        return found;
    }

    @Override
    public int lookupOnPrefixLength(List<String> ids) {
        long t0 = System.nanoTime();
        try {
            return reading(() -> BlockStore.super.lookupOnPrefixLength(ids));
        } finally {
            meters.lookupOnPrefixLength.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void prefetch(List<String> ids) {
        ensureOpen();
        Args.checkKeys(ids, "ids", false);
        if (ids.isEmpty())
            return;
        // A hint: refresh access times so the blocks stay resident; failures are nobody's business.
        try {
            meta.invokeAllAsync(new LinkedHashSet<>(ids), new MetaOps.Touch(-1))
                .listen(f -> {
                    try {
                        f.get();
                    } catch (RuntimeException e) {
                        LOG.warn("kvgrid: prefetch of {} block(s) (first {}) failed: {}", ids.size(), ids.get(0),
                            e.toString());
                    }
                });
        } catch (RuntimeException e) {
            // best effort
            LOG.warn("kvgrid: prefetch of {} block(s) (first {}) failed: {}", ids.size(), ids.get(0), e.toString());
        }
    }

    // ================================================================ removal

    @Override
    public List<KeyResult<Boolean>> batchRemove(List<String> keys, boolean force) {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        Map<String, EntryProcessorResult<MetaOps.Result>> res;
        try {
            res = meta.invokeAll(new LinkedHashSet<>(keys), new MetaOps.Remove(force));
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "removing " + keys.size() + " keys");
        }
        Map<String, BlockRecord> garbage = new LinkedHashMap<>();
        KeyResult<Boolean>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++) {
            String k = keys.get(i);
            MetaOps.Result r = MetaOps.value(res.get(k));
            switch (r.outcome) {
                case DONE -> {
                    meters.removed();
                    garbage.put(k, r.rec);
                    out[i] = KeyResult.ok(k, true);
                }
                case LEASED -> out[i] = KeyResult.failed(k, new KvGridException(ErrorCode.HAS_LEASE, "key",
                    "block " + k + " is leased until " + r.rec.leaseUntil));
                default -> out[i] = KeyResult.failed(k, notFound(k));
            }
        }
        try {
            freePayloads(garbage.values());
            dropLower(garbage);
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "freeing payloads");
        }
        return List.of(out);
    }

    @Override
    public RemoveResult removeByRegex(String regex, boolean force) {
        ensureOpen();
        List<String> keys = listKeys(regex);
        long removed = 0;
        long skipped = 0;
        for (int from = 0; from < keys.size(); from += 512) {
            for (KeyResult<Boolean> r : batchRemove(keys.subList(from, Math.min(keys.size(), from + 512)), force)) {
                if (r.ok())
                    removed++;
                else if (r.error().code() == ErrorCode.HAS_LEASE)
                    skipped++;
            }
        }
        return new RemoveResult(removed, skipped);
    }

    // ================================================================ block (UCM) operations

    @Override
    public BlockTask load(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        ensureOpen();
        int n = cfg.getShardsPerBlock();
        Args.checkShardArgs(ids, shardIndex, buffers, true, n);
        return tasks.submit(timed(meters.load, () -> {
            if (n == 1) {
                throwFirst(batchGetInto(ids, buffers));
                return;
            }
            List<KeyResult<byte[]>> blocks = batchGet(ids);
            throwFirst(blocks);
            // Check every block and buffer before writing any buffer.
            for (int i = 0; i < ids.size(); i++) {
                int len = blocks.get(i).value().length;
                if (len % n != 0)
                    throw Args.invalid("ids[" + i + "]", "block of " + len + " bytes is not " + n + " equal shards");
                if (buffers.get(i).remaining() < len / n)
                    throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "buffers[" + i + "]",
                        "shard has " + len / n + " bytes, buffer has " + buffers.get(i).remaining());
            }
            for (int i = 0; i < ids.size(); i++) {
                byte[] b = blocks.get(i).value();
                int shard = b.length / n;
                buffers.get(i).put(b, shardIndex[i] * shard, shard);
            }
        }));
    }

    /** {@code body}, recording its run time (from submission, so queueing counts) on {@code timer}. */
    private static Runnable timed(io.micrometer.core.instrument.Timer timer, Runnable body) {
        long t0 = System.nanoTime();
        return () -> {
            try {
                body.run();
            } finally {
                timer.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
            }
        };
    }

    @Override
    public BlockTask dump(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        ensureOpen();
        int n = cfg.getShardsPerBlock();
        Args.checkShardArgs(ids, shardIndex, buffers, false, n);
        Args.checkDumpArgs(ids, buffers, n, cfg.getMaxBlockBytes());
        return tasks.submit(timed(meters.dump, () -> Deadlines.within(cfg.getWriteDeadlineMillis(),
            "writeDeadlineMillis", () -> {
            if (n == 1) {
                List<byte[]> payloads = new ArrayList<>();
                for (ByteBuffer b : buffers)
                    payloads.add(Payloads.asArray(List.of(b), b.remaining()));
                throwFirst(write(ids, payloads, PutOptions.defaults(), false));
            } else {
                dumpShards(ids, shardIndex, buffers, n);
            }
            return null;
        })));
    }

    /** Stages shards in the grid; blocks whose last shard this call supplied are assembled and written. */
    private void dumpShards(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers, int n) {
        Map<String, byte[]> shards = new LinkedHashMap<>();
        List<BlockRecord> room = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            ByteBuffer b = buffers.get(i);
            String sk = ShardStaging.shardKey(ids.get(i), shardIndex[i]);
            shards.put(sk, Payloads.concat(List.of(b), b.remaining()));
            BlockRecord r = new BlockRecord();
            r.dataCache = staging.cacheName();
            r.dataKey = sk;
            r.size = b.remaining();
            room.add(r);
        }
        Map<ClusterNode, Long> reserved = reserve(room);
        List<String> complete = new ArrayList<>();
        try {
            staging.putShards(shards);
            for (int i = 0; i < ids.size(); i++)
                if (staging.mark(ids.get(i), shardIndex[i], n, buffers.get(i).remaining()))
                    complete.add(ids.get(i));
        } finally {
            release(reserved);
        }
        if (complete.isEmpty())
            return;
        List<byte[]> blocks = new ArrayList<>();
        for (String id : complete)
            blocks.add(staging.assemble(id, n));
        List<KeyResult<PutResult>> written = write(complete, blocks, PutOptions.defaults(), false);
        for (String id : complete)
            staging.forget(id, n);
        throwFirst(written);
    }

    private static void throwFirst(List<? extends KeyResult<?>> results) {
        KvGridException first = null;
        for (KeyResult<?> r : results) {
            if (r.ok())
                continue;
            if (first == null)
                first = r.error();
            else
                first.addSuppressed(r.error());
        }
        if (first != null)
            throw first;
    }

    // ================================================================ stats

    @Override
    public NodeStats localStats() {
        ensureOpen();
        long blocks = localBlocks();
        SpaceGovernor g = governor;
        long now = cfg.getTicker().millis();
        long leased = 0;
        long pinned = 0;
        for (var e : meta.localEntries(org.apache.ignite.cache.CachePeekMode.PRIMARY)) {
            BlockRecord r = e.getValue();
            if (!r.complete())
                continue;
            if (r.leaseUntil > now)
                leased++;
            if (r.hardPin || r.softPinUntil > now)
                pinned++;
        }
        if (g == null)
            return new NodeStats(blocks, 0, 0, 0, 0, leased, pinned);
        return new NodeStats(blocks, g.used(), g.capacity(), g.evictions(), g.evictedBytes(), leased, pinned);
    }

    private volatile boolean closed;

    /** Every operation after {@link #close} (or after the node stopped) fails alike. */
    private void ensureOpen() {
        if (closed)
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "the store is closed (its node stopped)");
    }

    /** Block copies (primary and backup) in this node's data caches: {@code cache.size} and NodeStats#blocks. */
    long localBlocks() {
        long blocks = 0;
        for (IgniteCache<String, byte[]> c : data.values())
            blocks += c.localSizeLong(org.apache.ignite.cache.CachePeekMode.PRIMARY, org.apache.ignite.cache.CachePeekMode.BACKUP);
        return blocks;
    }

    @Override
    public void close() {
        closed = true;
        meters.close();
        Map<ClusterNode, Long> held = new HashMap<>();
        synchronized (credits) {
            credits.values().forEach(c -> held.put(c.node, c.id));
            credits.clear();
        }
        release(held);
        tasks.close();
    }

    @SuppressWarnings("unchecked")
    private static <T> KeyResult<T>[] newResults(int n) {
        return new KeyResult[n];
    }
}
