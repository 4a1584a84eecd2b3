package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheEntryProcessor;
import org.apache.ignite.configuration.CacheConfiguration;

import javax.cache.expiry.CreatedExpiryPolicy;
import javax.cache.expiry.Duration;
import javax.cache.processor.MutableEntry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Assembles blocks dumped shard by shard, in the grid: shards may arrive through different nodes (one per tensor-
 * parallel rank, say). Each shard is stored under {@code id SEP s<k>} and marked in a bitmap entry {@code id SEP bits},
 * both colocated with the block's metadata. The writer whose shard completes the bitmap assembles the block and puts
 * it; only then is it visible. Blocks never completed expire with their staging entries after ten minutes.
 */
final class ShardStaging {
    private static final int HEADER = 8;

    private final IgniteCache<String, byte[]> cache;

    ShardStaging(Ignite ignite, KvGridConfiguration cfg) {
        CacheConfiguration<String, byte[]> c = GridCaches.scratchConfig(cfg, cfg.getDefaultReplicas(),
            cfg.getCacheNamePrefix() + "-staging");
        c.setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(new Duration(TimeUnit.MINUTES, 10)));
        c.setEagerTtl(true);
        this.cache = ignite.getOrCreateCache(c);
    }

    String cacheName() {
        return cache.getName();
    }

    static String shardKey(String id, int shard) {
        return id + KvGridAffinity.SEP + "s" + shard;
    }

    private static String bitsKey(String id) {
        return id + KvGridAffinity.SEP + "bits";
    }

    /** Stores the shards (one request per owning node), arrays kvgrid owns. Keys are {@link #shardKey}s. */
    void putShards(Map<String, byte[]> shards) {
        PayloadAccess.putAll(cache, shards);
    }

    /** Marks a stored shard; returns true for the one call whose shard completed its block. */
    boolean mark(String id, int shard, int shards, int shardBytes) {
        int r = cache.invoke(bitsKey(id), new Mark(shard, shards, shardBytes));
        if (r < 0) {
            cache.remove(shardKey(id, shard));
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "buffers",
                "shard of " + id + " has " + shardBytes + " bytes, unlike its other shards");
        }
        return r == shards;
    }

    /** The assembled block of a completed {@code id}. */
    byte[] assemble(String id, int shards) {
        Set<String> keys = new LinkedHashSet<>();
        for (int k = 0; k < shards; k++)
            keys.add(shardKey(id, k));
        Map<String, byte[]> got = cache.getAll(keys);
        int len = got.get(shardKey(id, 0)).length;
        ByteBuffer out = ByteBuffer.allocate(len * shards);
        for (String k : keys) {
            byte[] b = got.get(k);
            if (b == null)
                throw new KvGridException(ErrorCode.TIMEOUT, "ids", "staged shards of " + id + " expired");
            out.put(b);
        }
        return out.array();
    }

    void forget(String id, int shards) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < shards; k++)
            keys.add(shardKey(id, k));
        keys.add(bitsKey(id));
        cache.removeAll(new LinkedHashSet<>(keys));
    }

    /**
     * Sets a shard's bit. Returns the count of shards present when this call set a new bit, 0 for a repeated shard,
     * -1 when the shard's size or count disagrees with the block's earlier shards.
     */
    static final class Mark implements CacheEntryProcessor<String, byte[], Integer> {
        private static final long serialVersionUID = 1L;
        private final int shard;
        private final int shards;
        private final int shardBytes;

        Mark(int shard, int shards, int shardBytes) {
            this.shard = shard;
            this.shards = shards;
            this.shardBytes = shardBytes;
        }

        @Override
        public Integer process(MutableEntry<String, byte[]> e, Object... args) {
            byte[] v = e.getValue();
            if (v == null) {
                v = new byte[HEADER + (shards + 7) / 8];
                ByteBuffer.wrap(v).putInt(shardBytes).putInt(shards);
            }
            ByteBuffer h = ByteBuffer.wrap(v);
            if (h.getInt(0) != shardBytes || h.getInt(4) != shards)
                return -1;
            int idx = HEADER + shard / 8;
            int bit = 1 << (shard % 8);
            if ((v[idx] & bit) != 0)
                return 0;
            v[idx] |= (byte) bit;
            e.setValue(v);
            int count = 0;
            for (int i = HEADER; i < v.length; i++)
                count += Integer.bitCount(v[i] & 0xff);
            return count;
        }
    }
}
