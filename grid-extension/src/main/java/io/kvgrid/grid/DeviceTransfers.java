package io.kvgrid.grid;

import io.kvgrid.BlockTask;
import io.kvgrid.DeviceBuffer;
import io.kvgrid.DeviceTier;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * UCM's load and dump into buffers in accelerator memory ({@link DeviceBuffer}), through this node's GPU tier: blocks
 * it holds (the recorded bytes) are copied device to device, the others read like any block and copied host to
 * device through the tier's pinned staging; dumps copy device to host, then store as {@link ShardTransfers} does.
 */
final class DeviceTransfers {
    private final GridBlockStore store;
    private final Ignite ignite;
    private final KvGridConfiguration cfg;
    private final BlockTasks tasks;
    private final StoreMeters meters;
    private final RecordTouch touch;
    private final ShardTransfers transfers;

    DeviceTransfers(GridBlockStore store, BlockTasks tasks, RecordTouch touch, ShardTransfers transfers) {
        this.store = store;
        this.ignite = store.ignite();
        this.cfg = store.config();
        this.tasks = tasks;
        this.meters = store.meters();
        this.touch = touch;
        this.transfers = transfers;
    }

    /** Checks the arguments; returns, for each buffer, the tier of this node that reaches its device. */
    private DeviceTier[] check(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        Args.checkKeys(ids, "ids", false);
        Args.nonNull(shardIndex, "shardIndex");
        Args.sameLength(ids.size(), shardIndex.length, "shardIndex");
        Args.nonNull(buffers, "buffers");
        Args.sameLength(ids.size(), buffers.length, "buffers");
        Args.checkShardIndexes(shardIndex, cfg.getShardsPerBlock());
        NodeTiers nt = KvGridRuntime.tiers(ignite);
        DeviceTier[] out = new DeviceTier[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] == null)
                throw Args.invalid("buffers[" + i + "]", "must not be null");
            out[i] = nt == null ? null : nt.deviceTier(buffers[i].device());
            if (out[i] == null)
                throw Args.invalid("buffers[" + i + "]", "no GPU tier of this node reaches device "
                    + buffers[i].device());
        }
        return out;
    }

    BlockTask load(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        DeviceTier[] dev = check(ids, shardIndex, buffers);
        int n = cfg.getShardsPerBlock();
        return tasks.submit(ShardTransfers.timed(meters.load, () -> {
            Map<String, BlockRecord> recs = touch.touch(ids, true, false, null);
            NodeTiers nt = KvGridRuntime.tiers(ignite);
            NodeStore above = nt == null ? null : nt.above();
            // Blocks the GPU tier does not hold as recorded are read like any block (verified, counted, promoted).
            List<String> fromHost = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                BlockRecord r = recs.get(ids.get(i));
                if (r == null || above == null || above.checksum(ids.get(i)) != (r.crc & 0xffffffffL))
                    fromHost.add(ids.get(i));
            }
            Map<String, byte[]> host = new HashMap<>();
            if (!fromHost.isEmpty()) {
                List<KeyResult<byte[]>> got = store.batchGet(fromHost);
                ShardTransfers.throwFirst(got);
                for (KeyResult<byte[]> g : got)
                    host.put(g.key(), g.value());
            }
            // Check every block and buffer before writing any buffer.
            long[] shard = new long[ids.size()];
            for (int i = 0; i < ids.size(); i++) {
                long size = host.containsKey(ids.get(i)) ? host.get(ids.get(i)).length : recs.get(ids.get(i)).size;
                if (size % n != 0)
                    throw Args.invalid("ids[" + i + "]", "block of " + size + " bytes is not " + n + " equal shards");
                shard[i] = size / n;
                if (buffers[i].length() < shard[i])
                    throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "buffers[" + i + "]",
                        "shard has " + shard[i] + " bytes, buffer has " + buffers[i].length());
            }
            for (int i = 0; i < ids.size(); i++) {
                String k = ids.get(i);
                DeviceBuffer dst = buffers[i].slice(0, shard[i]);
                long off = shardIndex[i] * shard[i];
                byte[] b = host.get(k);
                if (b == null && dev[i].copyBlock(k, recs.get(k).crc, off, dst)) {
                    meters.read(recs.get(k), true);
                    continue;
                }
                if (b == null)
                    b = store.get(k); // it left the GPU between the check and the copy
                dev[i].copyIn(ByteBuffer.wrap(b, (int) off, (int) shard[i]), dst);
            }
        }));
    }

    BlockTask dump(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        DeviceTier[] dev = check(ids, shardIndex, buffers);
        int n = cfg.getShardsPerBlock();
        List<ByteBuffer> host = new ArrayList<>(buffers.length);
        for (int i = 0; i < buffers.length; i++) {
            if ((long) n * buffers[i].length() > cfg.getMaxBlockBytes())
                throw Args.invalid("buffers[" + i + "]", "block of " + n * buffers[i].length() + " bytes (" + n
                    + " shards of " + buffers[i].length() + ") exceeds maxBlockBytes " + cfg.getMaxBlockBytes());
            host.add(ByteBuffer.allocate((int) buffers[i].length()));
        }
        Args.checkDumpArgs(ids, host, n, cfg.getMaxBlockBytes());
        return tasks.submit(ShardTransfers.timed(meters.dump, () -> {
            for (int i = 0; i < buffers.length; i++)
                dev[i].copyOut(buffers[i], host.get(i));
            transfers.dumpNow(ids, shardIndex, host);
        }));
    }
}
