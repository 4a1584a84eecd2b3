package io.kvgrid.grid;

import org.apache.ignite.IgniteCache;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.IgniteException;
import org.apache.ignite.internal.processors.affinity.AffinityTopologyVersion;
import org.apache.ignite.internal.processors.cache.CacheObject;
import org.apache.ignite.internal.processors.cache.CacheObjectByteArrayImpl;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.IgniteCacheOffheapManager;
import org.apache.ignite.internal.processors.cache.IgniteCacheProxy;
import org.apache.ignite.internal.processors.cache.KeyCacheObject;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;
import org.apache.ignite.internal.processors.cache.persistence.CacheDataRow;
import org.apache.ignite.internal.util.lang.GridCloseableIterator;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Payload writes and reads without the defensive copies Ignite makes of {@code byte[]} values: a whole extra pass over
 * every block, a third of the cost of a 1 MiB put or get.
 *
 * <p>Writes: Ignite wraps a user's {@code byte[]} so that it is copied before it is stored
 * ({@code UserCacheObjectByteArrayImpl.prepareForCache}), in case the caller changes it later. kvgrid hands over
 * arrays it owns, or the caller's array for the duration of the call (the bytes are in the pages, or on the wire, when
 * the put returns), so the value goes in already wrapped as a stored value.
 *
 * <p>Reads: Ignite's local get copies the array it has just assembled from the pages, whatever {@code copyOnRead}
 * says ({@code CacheObjectByteArrayImpl.value(ctx, true)}). That fresh array is owned by nobody else, so reading the
 * row directly hands it to the caller. Only keys of partitions this node owns are read so, with the partition
 * reserved so it cannot be cleared meanwhile; everything else (remote, rebalancing, absent) is left for the caller's
 * ordinary getAll, so results never differ from Ignite's own.
 */
final class PayloadAccess {
    private PayloadAccess() {
    }

    /** {@code cache.putAll(values)}, the arrays stored as they are. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void putAll(IgniteCache<String, byte[]> cache, Map<String, byte[]> values) {
        ((IgniteCache) cache).putAll(stored(values));
    }

    /** The arrays wrapped as stored values, so Ignite does not copy them. */
    private static Map<String, Object> stored(Map<String, byte[]> values) {
        Map<String, Object> wrapped = new HashMap<>();
        values.forEach((k, v) -> wrapped.put(k, new CacheObjectByteArrayImpl(v)));
        return wrapped;
    }

    /** {@link #putAll}, asynchronously. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static org.apache.ignite.lang.IgniteFuture<Void> putAllAsync(IgniteCache<String, byte[]> cache,
                                                                 Map<String, byte[]> values) {
        return ((IgniteCache) cache).putAllAsync(stored(values));
    }

    /** {@code cache.put(key, value)}, the array stored as it is. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void put(IgniteCache<String, byte[]> cache, String key, byte[] value) {
        ((IgniteCache) cache).put(key, new CacheObjectByteArrayImpl(value));
    }

    /** Those of {@code keys} whose partition this node owns: the keys {@link #read} can read here. */
    static Set<String> owned(IgniteCache<String, byte[]> cache, Collection<String> keys) {
        GridCacheContext<?, ?> cctx = cache.unwrap(IgniteCacheProxy.class).context();
        Set<String> out = new HashSet<>();
        if (!cctx.affinityNode() || !cctx.topology().lostPartitions().isEmpty())
            return out;
        for (String k : keys) {
            GridDhtLocalPartition part = cctx.topology().localPartition(cctx.affinity().partition(k));
            if (part != null && part.state() == GridDhtPartitionState.OWNING)
                out.add(k);
        }
        return out;
    }

    /**
     * Reads those of {@code keys} stored in owned local partitions into {@code out} (data key to bytes); returns how
     * many were read. Keys not read are not put into {@code out}.
     */
    static int read(IgniteCache<String, byte[]> cache, Collection<String> keys, Map<String, byte[]> out) {
        return read(cache, keys, (k, v) -> out.put(k, (byte[]) v), null); // (nothing lent: Ignite's arrays)
    }

    /**
     * {@link #read}, a payload that spans pages read into a buffer from {@code buffersOf(data key)} (when not null) and
     * put into {@code out} as that buffer, flipped (see {@link LentRowReads}); the others as byte[].
     */
    static int readLending(IgniteCache<String, byte[]> cache, Collection<String> keys, Map<String, Object> out,
                    java.util.function.Function<String, java.util.function.IntFunction<ByteBuffer>> buffersOf) {
        return read(cache, keys, out::put, buffersOf);
    }

    /**
     * The values of those of {@code keys} stored in owned local partitions of {@code cache} (any value type: the
     * records of the metadata cache), read as {@link #read} reads payloads, without Ignite's get machinery. Returns
     * the keys answered here: those put into {@code out}, and those of owned partitions that hold no value for them.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static <V> Set<String> readLocal(IgniteCache<String, V> cache, Collection<String> keys, Map<String, V> out,
                                     Class<V> type) {
        Set<String> answered = new HashSet<>();
        read((IgniteCache) cache, keys, (k, v) -> {
            answered.add(k);
            if (v != ABSENT)
                out.put(k, (V) v);
        }, null, type);
        return answered;
    }

    /** {@code readOne}'s answer for a key of an owned partition that holds no value for it. */
    private static final Object ABSENT = new Object();

    private static int read(IgniteCache<String, byte[]> cache, Collection<String> keys,
                            java.util.function.BiConsumer<String, Object> out,
                            java.util.function.Function<String, java.util.function.IntFunction<ByteBuffer>> buffersOf) {
        int[] read = new int[1];
        read(cache, keys, (k, v) -> {
            if (v != ABSENT) {
                out.accept(k, v);
                read[0]++;
            }
        }, buffersOf, byte[].class); // an absent payload is left to the caller's getAll, as one not read
        return read[0];
    }

    /** Hands each of {@code keys} read here to {@code out}: its value, or ABSENT (an owned partition without it). */
    private static void read(IgniteCache<String, ?> cache, Collection<String> keys,
                             java.util.function.BiConsumer<String, Object> out,
                             java.util.function.Function<String, java.util.function.IntFunction<ByteBuffer>> buffersOf,
                             Class<?> type) {
        GridCacheContext<?, ?> cctx = cache.unwrap(IgniteCacheProxy.class).context();
        if (!cctx.affinityNode() || !cctx.topology().lostPartitions().isEmpty())
            return;
        cctx.shared().database().checkpointReadLock();
        try {
            for (String k : keys) {
                Object b = readOne(cctx, k, buffersOf == null ? null : buffersOf.apply(k), type);
                if (b != null)
                    out.accept(k, b);
            }
        } catch (IgniteCheckedException | RuntimeException e) {
            // Any trouble reading locally: the caller's getAll reads the keys not handed on, and reports its own
            // failures.
        } finally {
            cctx.shared().database().checkpointReadUnlock();
        }
    }

    private static Object readOne(GridCacheContext<?, ?> cctx, String k, java.util.function.IntFunction<ByteBuffer> buffers,
                                  Class<?> type) throws IgniteCheckedException {
        KeyCacheObject key = cctx.toCacheKeyObject(k);
        GridDhtLocalPartition part = cctx.topology().localPartition(cctx.affinity().partition(key));
        if (part == null || part.state() != GridDhtPartitionState.OWNING || !part.reserve())
            return null;
        try {
            if (part.state() != GridDhtPartitionState.OWNING)
                return null;
            IgniteCacheOffheapManager.CacheDataStore store = buffers == null ? null : cctx.offheap().dataStore(part);
            if (store != null && store.tree() != null) { // (a persistent region's tree is made on first use)
                Object lent = LentRowReads.read(cctx, store, key, buffers);
                return lent == null ? ABSENT : lent;
            }
            CacheDataRow row = cctx.offheap().read(cctx, key);
            if (row == null || (row.expireTime() != 0 && row.expireTime() <= System.currentTimeMillis()))
                return ABSENT;
            CacheObject v = row.value();
            Object value = v == null ? null : v.value(cctx.cacheObjectContext(), false);
            return type.isInstance(value) ? value : null;
        } finally {
            part.release();
        }
    }

    /**
     * The keys stored in the partitions this node is primary for and owns, read without their payload bytes (each
     * partition reserved while it is read). For sweeps after a node leaves; a partition that moves meanwhile is
     * skipped, the next sweep sees it at its new primary.
     */
    static List<String> localPrimaryKeys(IgniteCache<String, byte[]> cache) {
        GridCacheContext<?, ?> cctx = cache.unwrap(IgniteCacheProxy.class).context();
        List<String> out = new ArrayList<>();
        if (!cctx.affinityNode())
            return out;
        AffinityTopologyVersion ver = cctx.affinity().affinityTopologyVersion();
        for (GridDhtLocalPartition part : cctx.topology().localPartitions()) {
            if (part.state() != GridDhtPartitionState.OWNING || !part.primary(ver) || !part.reserve())
                continue;
            try (GridCloseableIterator<KeyCacheObject> it = cctx.offheap().cacheKeysIterator(cctx.cacheId(), part.id())) {
                while (it.hasNext())
                    out.add(it.next().value(cctx.cacheObjectContext(), false));
            } catch (IgniteCheckedException e) {
                throw new IgniteException(e);
            } finally {
                part.release();
            }
        }
        return out;
    }
}
