package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;

import javax.cache.processor.EntryProcessorResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** Removal: records first (guarded by leases unless forced), then payloads and the copies below memory. */
final class BlockRemoval {
    private final BlockCaches caches;
    private final Ignite ignite;
    private final IgniteCache<String, BlockRecord> meta;
    private final BlockWriter writer;
    private final StoreMeters meters;

    BlockRemoval(BlockCaches caches, BlockWriter writer) {
        this.caches = caches;
        this.ignite = caches.ignite();
        this.meta = caches.metaCache();
        this.writer = writer;
        this.meters = caches.meters();
    }

    // ================================================================ removal

    List<KeyResult<Boolean>> batchRemove(List<String> keys, boolean force) {
        Map<String, EntryProcessorResult<MetaOps.Result>> res;
        try {
            res = meta.invokeAll(new LinkedHashSet<>(keys), new MetaOps.Remove(force));
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "removing " + keys.size() + " keys");
        }
        Map<String, BlockRecord> garbage = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        KeyResult<Boolean>[] out = new KeyResult[keys.size()];
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
                default -> out[i] = KeyResult.failed(k, new KvGridException(ErrorCode.NOT_FOUND, "key", "no block " + k));
            }
        }
        try {
            writer.freePayloads(garbage.values());
            dropLower(garbage);
        } catch (RuntimeException e) {
            throw Failures.wrap(e, "freeing payloads");
        }
        return List.of(out);
    }

    /** Drops the lower-tier copies of removed blocks: one request per node holding copies. */
    private void dropLower(Map<String, BlockRecord> removed) {
        NodeTiers local = KvGridRuntime.tiers(ignite);
        if (local != null)
            removed.keySet().forEach(local::dropAbove);
        Map<String, List<String>> byNode = new HashMap<>();
        removed.forEach((k, r) -> {
            if (r.belowMemory())
                byNode.computeIfAbsent(r.tierNode, x -> new ArrayList<>()).add(k);
        });
        byNode.forEach((node, ks) -> {
            ClusterNode n = caches.serverByConsistentId(node);
            if (n == null)
                return;
            if (n.isLocal()) {
                NodeTiers t = KvGridRuntime.tiers(ignite);
                if (t != null)
                    ks.forEach(t::drop);
            } else {
                ignite.compute(ignite.cluster().forNode(n)).call(new TierJobs.Drop(ks));
            }
        });
    }

}
