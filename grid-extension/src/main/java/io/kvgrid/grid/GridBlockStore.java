package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.BlockTask;
import io.kvgrid.DeviceBuffer;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.NodeStats;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.RemoveResult;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

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
    private final BlockCaches caches;
    private final IgniteCache<String, BlockRecord> meta;
    private final BlockTasks tasks;
    private final StoreMeters meters;
    private final RoomReservations room;
    private final BlockWriter writer;
    private final RecordTouch touch;
    private final BlockReads reads;
    private final ChannelRoutes channel;
    private final PayloadFetcher fetcher;
    private final BlockRemoval removal;
    private final ShardTransfers transfers;
    private final DeviceTransfers deviceTransfers;

    public GridBlockStore(Ignite ignite, KvGridConfiguration cfg) {
        this.ignite = ignite;
        this.cfg = new KvGridConfiguration(cfg);
        this.caches = new BlockCaches(ignite, this.cfg);
        this.meta = caches.metaCache();
        this.meters = caches.meters();
        this.tasks = new BlockTasks(this.cfg.getAsyncThreads());
        this.room = new RoomReservations(ignite, caches.pageSize());
        // Client nodes hold no blocks: their reads and writes go to the nodes that do, over the block channels.
        this.channel = ignite.cluster().localNode().isClient() ? new ChannelRoutes(new BlockChannelClient(
            ignite.configuration().getSslContextFactory(), this.cfg.getReadDeadlineMillis()), ignite.cluster(),
            ignite.affinity(meta.getName())) : null;
        this.writer = new BlockWriter(caches, room, channel);
        this.touch = new RecordTouch(caches);
        this.fetcher = new PayloadFetcher(caches, writer, room, tasks);
        this.removal = new BlockRemoval(caches, writer);
        this.reads = new BlockReads(touch, fetcher, meters, channel);
        ShardStaging staging = this.cfg.getShardsPerBlock() > 1 ? new ShardStaging(ignite, this.cfg) : null;
        this.transfers = new ShardTransfers(this, this.cfg, tasks, staging, meters, room);
        this.deviceTransfers = new DeviceTransfers(this, tasks, touch, transfers);
    }

    StoreMeters meters() {
        return meters;
    }

    void governor(SpaceGovernor governor) {
        room.governor(governor);
    }

    Ignite ignite() {
        return ignite;
    }

    KvGridConfiguration config() {
        return cfg;
    }

    PayloadFetcher fetcher() {
        return fetcher;
    }

    IgniteCache<String, BlockRecord> metaCache() {
        return meta;
    }

    IgniteCache<String, byte[]> data(int replicas) {
        return caches.data(replicas);
    }

    IgniteCache<String, byte[]> data(BlockRecord rec) {
        return caches.data(rec);
    }

    List<IgniteCache<String, byte[]>> existingDataCaches() {
        return caches.existingDataCaches();
    }

    void freePayloads(Collection<BlockRecord> recs) {
        writer.freePayloads(recs);
    }

    BlockRecord memoryGone(String key, BlockRecord r) {
        return fetcher.memoryGone(key, r);
    }

    List<String> replicaNodes(BlockRecord r) {
        return caches.replicaNodes(r);
    }

    /** See {@link BlockWriter#write}. */
    List<KeyResult<PutResult>> write(List<String> keys, List<byte[]> payloads, PutOptions options, boolean replace) {
        return writer.write(keys, payloads, options, replace);
    }

    /** See {@link BlockWriter#write(List, List, PutOptions, boolean, String)}. */
    List<KeyResult<PutResult>> write(List<String> keys, List<byte[]> payloads, PutOptions options, boolean replace,
                                     String writeId) {
        return writer.write(keys, payloads, options, replace, writeId);
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

    /** {@code body} under the read deadline ({@link Deadlines}). */
    private <T> T reading(java.util.function.Supplier<T> body) {
        return Deadlines.within(cfg.getReadDeadlineMillis(), "readDeadlineMillis", body);
    }

    @Override
    public byte[] get(String key) {
        ensureOpen();
        Args.checkKey(key, "key");
        long t0 = System.nanoTime();
        try {
            return reading(() -> reads.readBlocks(List.of(key))).get(0).valueOrThrow();
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
            return reading(() -> reads.getInto(List.of(key), List.of(buffer), i -> "buffer")).get(0).valueOrThrow();
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


    /** {@link #batchGet} handed on group by group ({@link BlockReads#readGrouped}), under the read deadline. */
    void batchGetGrouped(List<String> keys, long groupBytes, BlockReads.GroupReader reader) throws java.io.IOException {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        long t0 = System.nanoTime();
        try {
            reading(() -> {
                try {
                    reads.readGrouped(keys, groupBytes, reader);
                    return null;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } finally {
            meters.batchGet.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    public List<KeyResult<byte[]>> batchGet(List<String> keys) {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        long t0 = System.nanoTime();
        try {
            return reading(() -> reads.readBlocks(keys));
        } finally {
            meters.batchGet.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public List<KeyResult<Integer>> batchGetInto(List<String> keys, List<ByteBuffer> buffers) {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        Args.checkBuffers(buffers, "buffers", true);
        Args.sameLength(keys.size(), buffers.size(), "buffers");
        long t0 = System.nanoTime();
        try {
            return reading(() -> reads.getInto(keys, buffers, i -> "buffers[" + i + "]"));
        } finally {
            meters.batchGet.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public Optional<BlockMeta> query(String key) {
        ensureOpen();
        Args.checkKey(key, "key");
        BlockRecord r = touch.touch(List.of(key), true, false, null).get(key);
        if (r == null)
            return Optional.empty();
        // Copies above memory are node-local: this node names its own (the block's tiers as seen from here).
        NodeTiers nt = KvGridRuntime.tiers(ignite);
        if (nt != null && nt.above() != null && nt.above().checksum(key) == (r.crc & 0xffffffffL)) {
            r = r.copy();
            r.tiers |= nt.above().holding(key);
        }
        return Optional.of(r.toMeta(key, replicaNodes(r)));
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
        if (ids.isEmpty())
            return new boolean[0];
        long t0 = System.nanoTime();
        // On a client node the records' primaries look their ids up over their block channels.
        boolean[] found = reading(() -> channel != null ? channel.lookup(ids, this::leased) : leased(ids));
        meters.lookup.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
        return found;
    }

    /**
     * Each id found (and leased) or not, in order; none found when the nodes holding the records did not answer in
     * time.
     */
    private boolean[] leased(List<String> ids) {
        boolean[] found = new boolean[ids.size()];
        Set<String> present;
        try {
            present = touch.lease(ids);
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            return found; // every id is a miss
        }
        for (int i = 0; i < found.length; i++)
            found[i] = present.contains(ids.get(i));
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
        // A hint, run in the background: refresh access times so the blocks stay resident, bring blocks below memory
        // back into memory and, on a node with tiers above memory, copy them up. Failures are nobody's business.
        List<String> keys = List.copyOf(new LinkedHashSet<>(ids));
        try {
            tasks.submit(() -> {
                try {
                    fetcher.warm(touch.touch(keys, false, false, null));
                } catch (RuntimeException e) {
                    LOG.warn("kvgrid: prefetch of {} block(s) (first {}) failed: {}", keys.size(), keys.get(0),
                        e.toString());
                }
            });
        } catch (KvGridException e) {
            // store closing
            LOG.warn("kvgrid: prefetch of {} block(s) (first {}) failed: {}", ids.size(), ids.get(0), e.toString());
        }
    }

    @Override
    public List<KeyResult<Boolean>> batchRemove(List<String> keys, boolean force) {
        ensureOpen();
        Args.checkKeys(keys, "keys", false);
        return removal.batchRemove(keys, force);
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
        return transfers.load(ids, shardIndex, buffers);
    }

    @Override
    public BlockTask dump(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        ensureOpen();
        return transfers.dump(ids, shardIndex, buffers);
    }

    @Override
    public BlockTask load(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        ensureOpen();
        return deviceTransfers.load(ids, shardIndex, buffers);
    }

    @Override
    public BlockTask dump(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        ensureOpen();
        return deviceTransfers.dump(ids, shardIndex, buffers);
    }
    // ================================================================ stats

    @Override
    public NodeStats localStats() {
        ensureOpen();
        return caches.localStats(room.governor());
    }

    private volatile boolean closed;

    /** Every operation after {@link #close} (or after the node stopped) fails alike. */
    private void ensureOpen() {
        if (closed)
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "the store is closed (its node stopped)");
    }

    /** Block copies (primary and backup) in this node's data caches: {@code cache.size} and NodeStats#blocks. */
    long localBlocks() {
        return caches.localBlocks();
    }

    @Override
    public void close() {
        closed = true;
        if (channel != null)
            channel.close();
        meters.close();
        room.close();
        tasks.close();
    }

    @SuppressWarnings("unchecked")
    private static <T> KeyResult<T>[] newResults(int n) {
        return new KeyResult[n];
    }
}