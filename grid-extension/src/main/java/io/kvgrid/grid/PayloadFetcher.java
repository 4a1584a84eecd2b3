package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteFuture;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Fetches payloads for records: from this node's tiers above memory, from memory (one getAll per data cache), from
 * the node-local tiers below memory of the nodes holding copies; checks them against their records and hands hits to
 * promotion.
 */
final class PayloadFetcher {
    private final BlockCaches caches;
    private final Ignite ignite;
    private final KvGridConfiguration cfg;
    private final IgniteCache<String, BlockRecord> meta;
    private final BlockWriter writer;
    private final RoomReservations room;
    private final StoreMeters meters;
    private final BlockTasks tasks;

    PayloadFetcher(BlockCaches caches, BlockWriter writer, RoomReservations room, BlockTasks tasks) {
        this.caches = caches;
        this.ignite = caches.ignite();
        this.cfg = caches.config();
        this.meta = caches.metaCache();
        this.writer = writer;
        this.room = room;
        this.meters = caches.meters();
        this.tasks = tasks;
    }

    /**
     * Fetches payloads by block key: from memory with one getAll per data cache (one request per owning node), from
     * lower tiers with one request per node holding copies. Values are byte[], a {@link Reread} (the block was
     * replaced while read), or the KvGridException of that key. Blocks read from a lower tier often enough are
     * promoted back into memory.
     */
    Map<String, Object> fetch(Map<String, BlockRecord> recs) {
        return fetch(recs, null, REREADS);
    }

    /**
     * The payload (byte[], or a lent ByteBuffer) of the block that replaced the one a read's record named, freed by
     * the replacing write between the record's read and the payload's: the read answers the new block, checked
     * against its own record.
     */
    record Reread(BlockRecord rec, Object bytes) {
    }

    /** Times a read follows a block replaced while it is read, before it reports the block missing. */
    private static final int REREADS = 3;

    /**
     * Where the payload of a block held here that spans pages is read: {@code buffers(key)} gives the buffers for
     * block {@code key} (a buffer of exactly the length asked, from position 0), the same for every key from a pool,
     * a buffer of the block's own caller for {@code getInto}.
     */
    interface Lender {
        IntFunction<ByteBuffer> buffers(String key);
    }

    /**
     * {@link #fetch(Map)}; a payload held here that spans pages is read into a buffer from {@code buffers} when not
     * null, and comes as that ByteBuffer (the caller is done with the bytes before it gives them back). A block
     * replaced while read is followed at most {@code rereads} times.
     */
    private Map<String, Object> fetch(Map<String, BlockRecord> recs, Lender buffers, int rereads) {
        Map<Integer, Map<String, String>> memory = new HashMap<>();
        Map<String, List<String>> lower = new HashMap<>();
        for (Map.Entry<String, BlockRecord> e : recs.entrySet()) {
            BlockRecord r = e.getValue();
            if (r.inMemory())
                memory.computeIfAbsent(r.replicas, x -> new HashMap<>()).put(r.dataKey, e.getKey());
            else if (r.belowMemory())
                lower.computeIfAbsent(r.tierNode, x -> new ArrayList<>()).add(e.getKey());
        }
        Map<String, Object> out = new HashMap<>();
        try {
            memory.forEach((rep, dataToKey) -> {
                // Copies held here are read without Ignite's extra copy, while the request for the others is out;
                // what could not be read here after all goes with one get or getAll.
                Map<String, Object> got = new HashMap<>();
                IgniteCache<String, byte[]> cache = caches.data(rep);
                Set<String> local = PayloadAccess.owned(cache, dataToKey.keySet());
                Set<String> remote = new HashSet<>(dataToKey.keySet());
                remote.removeAll(local);
                IgniteFuture<Map<String, byte[]>> remoteGot = local.isEmpty() || remote.isEmpty() ? null
                    : cache.getAllAsync(remote);
                Set<String> rest = remoteGot == null ? remote : new HashSet<>();
                PayloadAccess.readLending(cache, local, got,
                    buffers == null ? null : dk -> buffers.buffers(dataToKey.get(dk)));
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
        // A complete record whose payload is missing: replaced meanwhile (an upsert frees the payload it replaced),
        // lost with its nodes, or a crash between a spill and its metadata update. Read the block that replaced it;
        // else correct the record and read the lower-tier copy where one exists.
        Map<String, BlockRecord> replaced = new HashMap<>();
        for (Map<String, String> dataToKey : memory.values())
            for (String k : dataToKey.values())
                if (out.get(k) == null) {
                    BlockRecord was = recs.get(k);
                    BlockRecord now = memoryGone(k, was);
                    if (now != null && now.inMemory() && !now.dataKey.equals(was.dataKey))
                        replaced.put(k, now);
                    else if (now != null && now.belowMemory() && !now.inMemory())
                        lower.computeIfAbsent(now.tierNode, x -> new ArrayList<>()).add(k);
                }
        if (!replaced.isEmpty() && rereads > 0)
            fetch(replaced, buffers, rereads - 1).forEach((k, v) ->
                out.put(k, v instanceof byte[] || v instanceof ByteBuffer ? new Reread(replaced.get(k), v) : v));
        lower.forEach((node, keys) -> out.putAll(readLower(node, keys)));
        for (Map.Entry<String, List<String>> e : lower.entrySet())
            for (String k : e.getValue())
                if (out.get(k) instanceof byte[] b && recs.get(k).lowerReads >= cfg.getPromotionThreshold())
                    promoteLater(k, recs.get(k), b);
        return out;
    }

    /**
     * {@link #fetch}, served first from this node's tiers above memory where they hold the block the record names
     * ({@code servedAbove} receives those keys); blocks read from below count towards their promotion there. Payloads
     * are read into buffers from {@code buffers} (when not null) only on a node without tiers above memory: a tier
     * above may keep the arrays it is handed.
     */
    Map<String, Object> fetch(Map<String, BlockRecord> recs, Set<String> servedAbove, Lender buffers) {
        NodeTiers nt = KvGridRuntime.tiers(ignite);
        NodeStore above = nt == null ? null : nt.above();
        if (above == null || recs.isEmpty())
            return fetch(recs, buffers, REREADS);
        Map<String, Object> out = new HashMap<>();
        Map<String, BlockRecord> rest = new HashMap<>();
        recs.forEach((k, r) -> {
            byte[] b = fromAbove(above, k, r);
            if (b == null) {
                rest.put(k, r);
            } else {
                out.put(k, b);
                servedAbove.add(k);
            }
        });
        if (rest.isEmpty())
            return out;
        fetch(rest).forEach((k, v) -> {
            out.put(k, v);
            BlockRecord r = rest.get(k);
            if (v instanceof byte[] b && b.length == r.size) {
                try {
                    above.hit(k, b, r.crc);
                } catch (KvGridException e) {
                    // bytes that do not match their record: the read reports it; nothing goes up
                }
            }
        });
        return out;
    }

    /** The copy above memory if it is the block {@code r} names (else it is stale and dropped); null when none. */
    private static byte[] fromAbove(NodeStore above, String key, BlockRecord r) {
        try {
            long crc = above.checksum(key);
            if (crc < 0)
                return null;
            if ((int) crc == r.crc && above.size(key) == r.size)
                return above.get(key);
            above.remove(key);
        } catch (KvGridException e) {
            // a damaged copy (dropped by the chain): read it from below
        }
        return null;
    }

    /**
     * Prefetch: brings blocks below memory back into memory at once (no read threshold) and, when this node has
     * tiers above memory, copies the blocks up there. Returns the blocks brought up.
     */
    int warm(Map<String, BlockRecord> recs) {
        NodeTiers nt = KvGridRuntime.tiers(ignite);
        NodeStore above = nt == null ? null : nt.above();
        Map<String, BlockRecord> wanted = new HashMap<>();
        recs.forEach((k, r) -> {
            if (!r.inMemory() || (above != null && above.checksum(k) != (r.crc & 0xffffffffL)))
                wanted.put(k, r);
        });
        if (wanted.isEmpty())
            return 0;
        int up = 0;
        for (Map.Entry<String, Object> e : fetch(wanted).entrySet()) {
            BlockRecord r = wanted.get(e.getKey());
            if (!(e.getValue() instanceof byte[] b) || b.length != r.size || Payloads.crc(b) != r.crc)
                continue;
            if (!r.inMemory() && r.lowerReads < cfg.getPromotionThreshold())
                promoteLater(e.getKey(), r, b); // (fetch promotes those past the threshold itself)
            if (above != null) {
                try {
                    above.put(e.getKey(), b, r.crc);
                } catch (KvGridException ex) {
                    // no room above: the block stays below
                }
            }
            up++;
        }
        return up;
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
        ClusterNode n = caches.serverByConsistentId(node);
        if (n == null) {
            Map<String, Object> out = new HashMap<>();
            for (String k : keys)
                out.put(k, new KvGridException(ErrorCode.NODE_UNAVAILABLE, "key", "node " + node + " holding " + k + " left"));
            return out;
        }
        if (n.isLocal())
            return TierJobs.read(KvGridRuntime.tiers(ignite), keys);
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
                IgniteCache<String, byte[]> cache = caches.data(m.replicas);
                m.dataCache = cache.getName();
                m.dataKey = writer.placement(key, m.dataCache, null);
                Map<ClusterNode, Long> reserved = room.reserve(List.of(m));
                try {
                    PayloadAccess.put(cache, m.dataKey, bytes);
                    if (!Boolean.TRUE.equals(meta.invoke(key, new MetaOps.Promote(m))))
                        cache.remove(m.dataKey);
                    else
                        meters.promoted();
                } finally {
                    room.release(reserved);
                }
            });
        } catch (KvGridException ignored) {
            // store closing
        }
    }

    /**
     * The payload of {@code r}, or of the block that replaced it ({@link Reread}), checked against its record; the
     * key's own error, NOT_FOUND or CHECKSUM_MISMATCH as a typed error. For payloads fetched without lent buffers, or
     * into {@link #FRESH_ARRAYS}.
     */
    byte[] verified(String key, BlockRecord r, Object fetched) {
        Object bytes = checked(key, r, fetched);
        if (bytes instanceof ByteBuffer b) {
            // Only readTouched lends here, from FRESH_ARRAYS: the whole array holds the block (an invariant, not input).
            byte[] a = b.array();
            if (b.arrayOffset() != 0 || b.position() != 0 || b.limit() != a.length)
                throw new IllegalStateException("a fresh array lent for " + key + " was not read whole");
            return a;
        }
        return (byte[]) bytes;
    }

    /**
     * Buffers over fresh arrays of exactly the block's size, for reads that hand the array on (a get): read out of the
     * pages as the lent buffers are, instead of through Ignite's own row read (1 node, 1 MiB get p50 0.150-0.167 ms
     * against 0.198-0.205, two interleaved pairs of bench passes).
     */
    static final Lender FRESH_ARRAYS = key -> len -> ByteBuffer.wrap(new byte[len]);

    /** {@link #verified}, for payloads fetched with lent buffers: the bytes as a buffer (an array wrapped). */
    ByteBuffer verifiedBuffer(String key, BlockRecord r, Object fetched) {
        Object bytes = checked(key, r, fetched);
        return bytes instanceof ByteBuffer b ? b : ByteBuffer.wrap((byte[]) bytes);
    }

    /** {@code fetched} (byte[] or a lent ByteBuffer, or what replaced or failed it) checked against its record. */
    private Object checked(String key, BlockRecord r, Object fetched) {
        if (fetched instanceof Reread again) {
            r = again.rec();
            fetched = again.bytes();
        }
        if (fetched instanceof KvGridException e) {
            if (e.code() == ErrorCode.CHECKSUM_MISMATCH)
                meters.verifyFailed();
            throw e;
        }
        if (fetched == null)
            throw new KvGridException(ErrorCode.NOT_FOUND, "key", "block " + key + " was removed or evicted while read");
        // One check for both forms: an array is looked at through a buffer over it (no copy).
        ByteBuffer b = fetched instanceof ByteBuffer lent ? lent : ByteBuffer.wrap((byte[]) fetched);
        if (b.remaining() != r.size || (cfg.isVerifyOnRead() && Payloads.crc(b) != r.crc)) {
            meters.verifyFailed();
            throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "key", "payload of " + key + " does not match its metadata");
        }
        return fetched;
    }

    private static KvGridException notFound(String key) {
        return new KvGridException(ErrorCode.NOT_FOUND, "key", "no block " + key);
    }

}
