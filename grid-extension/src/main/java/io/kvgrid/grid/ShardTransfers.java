package io.kvgrid.grid;

import io.kvgrid.BlockTask;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import org.apache.ignite.cluster.ClusterNode;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** UCM's block operations: asynchronous load and dump of whole blocks or of equal shards of them. */
final class ShardTransfers {
    private final GridBlockStore store;
    private final KvGridConfiguration cfg;
    private final BlockTasks tasks;
    private final ShardStaging staging;
    private final StoreMeters meters;
    private final RoomReservations room;

    ShardTransfers(GridBlockStore store, KvGridConfiguration cfg, BlockTasks tasks, ShardStaging staging,
                   StoreMeters meters, RoomReservations room) {
        this.store = store;
        this.cfg = cfg;
        this.tasks = tasks;
        this.staging = staging;
        this.meters = meters;
        this.room = room;
    }


    BlockTask load(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        int n = cfg.getShardsPerBlock();
        Args.checkShardArgs(ids, shardIndex, buffers, true, n);
        return tasks.submit(timed(meters.load, () -> {
            if (n == 1) {
                throwFirst(store.batchGetInto(ids, buffers));
                return;
            }
            List<KeyResult<byte[]>> blocks = store.batchGet(ids);
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
    static Runnable timed(io.micrometer.core.instrument.Timer timer, Runnable body) {
        long t0 = System.nanoTime();
        return () -> {
            try {
                body.run();
            } finally {
                timer.record(StoreMeters.since(t0), TimeUnit.NANOSECONDS);
            }
        };
    }

    BlockTask dump(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        int n = cfg.getShardsPerBlock();
        Args.checkShardArgs(ids, shardIndex, buffers, false, n);
        Args.checkDumpArgs(ids, buffers, n, cfg.getMaxBlockBytes());
        return tasks.submit(timed(meters.dump, () -> dumpNow(ids, shardIndex, buffers)));
    }

    /** The body of a dump whose arguments were checked: whole blocks written, or shards staged. */
    void dumpNow(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        int n = cfg.getShardsPerBlock();
        if (n == 1) {
            List<byte[]> payloads = new ArrayList<>();
            for (ByteBuffer b : buffers)
                payloads.add(Payloads.asArray(List.of(b), b.remaining()));
            throwFirst(store.write(ids, payloads, PutOptions.defaults(), false));
        } else {
            dumpShards(ids, shardIndex, buffers, n);
        }
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
        Map<ClusterNode, Long> reserved = this.room.reserve(room);
        List<String> complete = new ArrayList<>();
        try {
            staging.putShards(shards);
            for (int i = 0; i < ids.size(); i++)
                if (staging.mark(ids.get(i), shardIndex[i], n, buffers.get(i).remaining()))
                    complete.add(ids.get(i));
        } finally {
            this.room.release(reserved);
        }
        if (complete.isEmpty())
            return;
        List<byte[]> blocks = new ArrayList<>();
        for (String id : complete)
            blocks.add(staging.assemble(id, n));
        List<KeyResult<PutResult>> written = store.write(complete, blocks, PutOptions.defaults(), false);
        for (String id : complete)
            staging.forget(id, n);
        throwFirst(written);
    }

    static void throwFirst(List<? extends KeyResult<?>> results) {
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

}
