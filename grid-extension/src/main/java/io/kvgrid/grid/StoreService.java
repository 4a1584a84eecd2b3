package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import io.kvgrid.NodeStats;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.RemoveResult;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.ignite.services.Service;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link KvGridService} of one server node: each call runs this node's {@code BlockStore} with the node's rights
 * and returns typed errors inside the reply. Payload calls count the keys this node is not the primary for, so a
 * client's routing can be checked ({@link WireNodeStats#relayedPayloadRequests}).
 */
public final class StoreService implements KvGridService, Service {
    private static final long serialVersionUID = 1L;

    @IgniteInstanceResource
    private transient Ignite ignite;
    /** Not transient: the service is deployed as a serialized copy of the configured instance. */
    private final AtomicLong relayed = new AtomicLong();

    @Override
    public WireTopology topology() {
        return call(ClientRole.READ, "topology", () -> ThinTopology.of(ignite, runtime().store().config()));
    }

    @Override
    public WireReply put(String[] keys, List<byte[]> values, boolean upsert, int replicas, long softPinMillis,
                         boolean hardPin, String preferredNode, String writeId) {
        return reply(ClientRole.WRITE, upsert ? "upsert" : "put", () -> {
            Args.nonNull(keys, "keys");
            Args.nonNull(values, "values");
            Args.sameLength(keys.length, values.size(), "values");
            PutOptions.Builder b = PutOptions.builder();
            if (replicas != PutOptions.DEFAULT_REPLICAS)
                b.replicas(replicas);
            if (softPinMillis == 0)
                b.softPin();
            else if (softPinMillis > 0)
                b.softPin(Duration.ofMillis(softPinMillis));
            if (hardPin)
                b.hardPin();
            if (preferredNode != null)
                b.preferredNode(preferredNode);
            GridBlockStore store = runtime().store();
            List<String> keyList = Arrays.asList(keys);
            Args.checkKeys(keyList, "keys", true);
            for (int i = 0; i < keys.length; i++)
                Payloads.totalSize(List.of(ByteBuffer.wrap(Args.nonNull(values.get(i), "values[" + i + "]"))),
                    store.config().getMaxBlockBytes(), "values[" + i + "]");
            boolean stale = countRelays(keys);
            // The arrays arrived with the request and belong to this call: stored as they are, no copy.
            List<KeyResult<PutResult>> res = store.write(keyList, values, b.build(), upsert, writeId);
            WireReply r = new WireReply().perKey(keys.length);
            r.flags = new boolean[keys.length];
            r.numbers = new long[keys.length];
            for (int i = 0; i < keys.length; i++) {
                KeyResult<PutResult> k = res.get(i);
                if (k.ok()) {
                    r.flags[i] = k.value().existed();
                    r.numbers[i] = k.value().replicas();
                } else {
                    r.fail(i, k.error());
                }
            }
            r.routingStale = stale;
            return r;
        });
    }

    @Override
    public Object[] get(String[] keys) {
        return getReply(keys).payloadsApart();
    }

    private WireReply getReply(String[] keys) {
        return reply(ClientRole.READ, "get", () -> {
            Args.nonNull(keys, "keys");
            boolean stale = countRelays(keys);
            List<KeyResult<byte[]>> res = runtime().store().batchGet(Arrays.asList(keys));
            WireReply r = new WireReply().perKey(keys.length);
            r.payloads = new ArrayList<>(keys.length);
            for (int i = 0; i < keys.length; i++) {
                KeyResult<byte[]> k = res.get(i);
                r.payloads.add(k.ok() ? k.value() : null);
                if (!k.ok())
                    r.fail(i, k.error());
            }
            r.routingStale = stale;
            return r;
        });
    }

    @Override
    public Object[] getShards(String[] keys, int[] shardIndex) {
        return reply(ClientRole.READ, "getShards", () -> {
            Args.nonNull(keys, "keys");
            Args.nonNull(shardIndex, "shardIndex");
            Args.sameLength(keys.length, shardIndex.length, "shardIndex");
            int n = runtime().store().config().getShardsPerBlock();
            Args.checkShardIndexes(shardIndex, n);
            WireReply r = getReply(keys);
            if (r.callCode >= 0 || n == 1)
                return r;
            for (int i = 0; i < keys.length; i++) {
                byte[] b = r.payloads.get(i);
                if (b == null)
                    continue;
                if (b.length % n != 0) {
                    r.payloads.set(i, null);
                    r.fail(i, Args.invalid("ids[" + i + "]", "block of " + b.length + " bytes is not " + n
                        + " equal shards"));
                    continue;
                }
                int shard = b.length / n;
                r.payloads.set(i, Arrays.copyOfRange(b, shardIndex[i] * shard, (shardIndex[i] + 1) * shard));
            }
            return r;
        }).payloadsApart();
    }

    @Override
    public WireReply dumpShards(String[] keys, int[] shardIndex, List<byte[]> shards) {
        return reply(ClientRole.WRITE, "dump", () -> {
            Args.nonNull(keys, "keys");
            Args.nonNull(shards, "shards");
            boolean stale = countRelays(keys);
            List<ByteBuffer> bufs = new ArrayList<>(shards.size());
            for (byte[] s : shards)
                bufs.add(ByteBuffer.wrap(Args.nonNull(s, "buffers")));
            runtime().store().dump(Arrays.asList(keys), shardIndex, bufs).await();
            WireReply r = new WireReply();
            r.routingStale = stale;
            return r;
        });
    }

    @Override
    public WireReply lookup(String[] keys) {
        return reply(ClientRole.READ, "lookup", () -> {
            WireReply r = new WireReply();
            r.flags = runtime().store().lookup(Arrays.asList(Args.nonNull(keys, "keys")));
            return r;
        });
    }

    @Override
    public WireReply query(String[] keys) {
        return reply(ClientRole.READ, "query", () -> {
            Args.nonNull(keys, "keys");
            WireReply r = new WireReply();
            r.metas = new ArrayList<>(keys.length);
            for (String k : keys) {
                Optional<BlockMeta> m = runtime().store().query(k);
                r.metas.add(m.map(WireMeta::of).orElse(null));
            }
            return r;
        });
    }

    @Override
    public WireReply listKeys(String regex) {
        return reply(ClientRole.READ, "listKeys", () -> {
            WireReply r = new WireReply();
            r.strings = new ArrayList<>(runtime().store().listKeys(regex));
            return r;
        });
    }

    @Override
    public WireReply remove(String[] keys, boolean force) {
        return reply(ClientRole.WRITE, "remove", () -> {
            Args.nonNull(keys, "keys");
            List<KeyResult<Boolean>> res = runtime().store().batchRemove(Arrays.asList(keys), force);
            WireReply r = new WireReply().perKey(keys.length);
            for (int i = 0; i < keys.length; i++)
                if (!res.get(i).ok())
                    r.fail(i, res.get(i).error());
            return r;
        });
    }

    @Override
    public WireReply removeByRegex(String regex, boolean force) {
        return reply(ClientRole.ADMIN, "removeByRegex", () -> {
            RemoveResult res = runtime().store().removeByRegex(regex, force);
            WireReply r = new WireReply();
            r.numbers = new long[] {res.removed(), res.skipped()};
            return r;
        });
    }

    @Override
    public WireReply prefetch(String[] keys) {
        return reply(ClientRole.READ, "prefetch", () -> {
            runtime().store().prefetch(Arrays.asList(Args.nonNull(keys, "keys")));
            return new WireReply();
        });
    }

    @Override
    public WireNodeStats nodeStats() {
        return call(ClientRole.READ, "stats", () -> {
            KvGridRuntime rt = runtime();
            NodeStats s = rt.store().localStats();
            ClusterNode local = ignite.cluster().localNode();
            WireNodeStats w = new WireNodeStats();
            w.nodeId = local.id();
            w.consistentId = String.valueOf(local.consistentId());
            w.endpoint = String.join(",", ThinTopology.localEndpoints(ignite));
            w.blocks = s.blocks();
            w.bytesUsed = s.bytesUsed();
            w.capacityBytes = s.capacityBytes();
            w.highWatermark = rt.store().config().getHighWatermark();
            w.evictions = s.evictions();
            w.evictedBytes = s.evictedBytes();
            w.leased = s.leased();
            w.pinned = s.pinned();
            NodeTiers tiers = KvGridRuntime.tiers(ignite);
            if (tiers != null && !tiers.belowTiers().isEmpty()) {
                // Every tier below memory together (an SSD, a second one): what evicted blocks may still fill.
                long[] n = new long[1];
                w.lowerTierBytes = 0;
                w.lowerTierCapacityBytes = 0;
                for (io.kvgrid.TierStore t : tiers.belowTiers()) {
                    t.forEachKey(k -> n[0]++);
                    w.lowerTierBytes += t.usedBytes();
                    w.lowerTierCapacityBytes += t.capacityBytes();
                }
                w.lowerTierBlocks = n[0];
            }
            w.relayedPayloadRequests = relayed.get();
            w.copiesWaiting = rt.copiesWaiting();
            w.copiesRestored = rt.copiesRestored();
            return w;
        });
    }

    /**
     * Counts keys of a payload call whose partition this node is not the primary of, and flags the reply so the
     * client refreshes its routing (primaries move when rebalancing ends, without a new topology version).
     */
    private boolean countRelays(String[] keys) {
        String cache = GridCaches.metaCache(runtime().store().config());
        ClusterNode local = ignite.cluster().localNode();
        var aff = ignite.affinity(cache);
        boolean any = false;
        for (String k : keys) {
            if (k != null && !aff.isPrimary(local, k)) {
                relayed.incrementAndGet();
                any = true;
            }
        }
        return any;
    }

    private KvGridRuntime runtime() {
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt == null)
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "kvgrid is not running on this node");
        return rt;
    }

    /**
     * Checks that the caller's role allows {@code needed}, then runs {@code body} with this node's rights; a refusal
     * (FORBIDDEN naming {@code operation}) or the body's typed failure becomes the reply.
     */
    private WireReply reply(ClientRole needed, String operation, java.util.function.Supplier<WireReply> body) {
        long t0 = System.nanoTime();
        WireReply r;
        try {
            KvGridSecurityProcessor.require(ignite, needed, operation);
            try (AutoCloseable ignored = KvGridSecurityProcessor.asNode(ignite)) {
                r = body.get();
            }
        } catch (Exception e) {
            r = WireReply.failed(Failures.wrap(e, "kvgrid service"));
        }
        r.servedBy = ignite.cluster().localNode().id();
        r.topologyVersion = ignite.cluster().topologyVersion();
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt != null)
            rt.store().meters().serviceCall(operation, System.nanoTime() - t0);
        return r;
    }

    /** {@link #reply} for calls whose failures go to the client as Ignite's service errors. */
    private <T> T call(ClientRole needed, String operation, java.util.function.Supplier<T> body) {
        KvGridSecurityProcessor.require(ignite, needed, operation);
        try (AutoCloseable ignored = KvGridSecurityProcessor.asNode(ignite)) {
            return body.get();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new KvGridException(ErrorCode.INTERNAL, null, "kvgrid service: " + e, e);
        }
    }
}
