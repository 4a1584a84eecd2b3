package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Assembles blocks dumped shard by shard on the writer. A block is written (and becomes visible) only when all its
 * shards have arrived, so readers never see part of one.
 */
final class ShardStager {
    private final Map<String, Staged> staged = new ConcurrentHashMap<>();

    private static final class Staged {
        final byte[] bytes;
        final boolean[] got;
        final int shardBytes;
        int count;

        Staged(int shards, int shardBytes) {
            this.bytes = new byte[shards * shardBytes];
            this.got = new boolean[shards];
            this.shardBytes = shardBytes;
        }
    }

    /** Adds a shard; returns the whole block once complete (and forgets it), else null. */
    byte[] add(String key, int shard, int shards, ByteBuffer buf) {
        int len = buf.remaining();
        if (len == 0)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "buffers", "shard of " + key + " is empty");
        Staged s = staged.computeIfAbsent(key, k -> new Staged(shards, len));
        synchronized (s) {
            if (len != s.shardBytes)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "buffers",
                    "shard of " + key + " has " + len + " bytes, earlier shards had " + s.shardBytes);
            buf.duplicate().get(s.bytes, shard * len, len);
            if (!s.got[shard]) {
                s.got[shard] = true;
                s.count++;
            }
            if (s.count < shards)
                return null;
            staged.remove(key, s);
            return s.bytes;
        }
    }
}
