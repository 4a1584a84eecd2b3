package io.kvgrid.client;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.BlockTask;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import io.kvgrid.NodeStats;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.RemoveResult;
import io.kvgrid.grid.Args;
import io.kvgrid.grid.BlockChannelClient;
import io.kvgrid.grid.BlockTasks;
import io.kvgrid.grid.Payloads;
import io.kvgrid.grid.WireMeta;
import io.kvgrid.grid.WireNodeStats;
import io.kvgrid.grid.WireReply;
import io.kvgrid.grid.WireTopology;
import org.apache.ignite.configuration.ClientConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The kvgrid store over Ignite's thin-client protocol, from any process that can reach a server node's thin-client
 * port: the same operations, semantics and typed errors as the embedded store. Each request goes straight to the node
 * that holds its keys (payload bytes are not relayed through a third node); a batch is split into one request per
 * node. Closing the client closes only its connections.
 *
 * <pre>{@code
 * try (KvGridClient store = KvGridClient.connect("127.0.0.1:10800")) {
 *     store.put("model-a/blk-0", kvBytes);
 *     int hit = store.lookupOnPrefixLength(List.of("model-a/blk-0", "model-a/blk-1"));   // 1
 * }
 * }</pre>
 */
public final class KvGridClient implements BlockStore {
    private static final Logger LOG = LoggerFactory.getLogger(KvGridClient.class);
    /** Per-request limit when the client configuration sets no timeout. */
    static final long DEFAULT_TIMEOUT_MILLIS = 60_000;

    private final Router router;
    /** Names of this client's puts sent over block channels. */
    private final io.kvgrid.grid.WriteIds writeIds = new io.kvgrid.grid.WriteIds(null);
    private final BlockTasks tasks = new BlockTasks(4);

    private KvGridClient(Router router) {
        this.router = router;
    }

    /** Connects to the nodes listed as {@code host:port[,host:port...]} (thin-client ports; 10800 by default). */
    public static KvGridClient connect(String hosts) {
        return connect(new ClientConfiguration().setAddresses(parseHosts(hosts)));
    }

    /**
     * Connects over mutual TLS with client {@code clientName}'s key store from {@code tlsDir} (made by {@code kvgrid
     * certs}); the servers give the client the role its certificate names.
     */
    public static KvGridClient connect(String hosts, java.nio.file.Path tlsDir, String clientName) {
        String[] addresses = parseHosts(hosts);
        return connect(io.kvgrid.tls.KvGridTls.clientConfiguration(tlsDir, clientName).setAddresses(addresses));
    }

    /** Connects with a full thin-client configuration (TLS, timeouts, credentials). */
    public static KvGridClient connect(ClientConfiguration cfg) {
        Args.nonNull(cfg, "cfg");
        if (cfg.getAddresses() == null || cfg.getAddresses().length == 0)
            throw Args.invalid("addresses", "name at least one host:port");
        // Ignite waits forever for a reply when no timeout is set, its TLS handshake included: a server that drops
        // a refused handshake without closing the socket would hang the connect.
        if (cfg.getTimeout() <= 0)
            cfg.setTimeout((int) DEFAULT_TIMEOUT_MILLIS);
        return new KvGridClient(new Router(cfg, cfg.getTimeout()));
    }

    /** Checks and splits {@code host:port[,host:port...]}; INVALID_ARGUMENT naming the bad entry. */
    static String[] parseHosts(String hosts) {
        if (hosts == null || hosts.isBlank())
            throw Args.invalid("hosts", "must list host:port[,host:port...]");
        String[] out = hosts.split(",");
        for (int i = 0; i < out.length; i++) {
            String h = out[i].trim();
            int colon = h.lastIndexOf(':');
            int port = -1;
            if (colon > 0) {
                try {
                    port = Integer.parseInt(h.substring(colon + 1));
                } catch (NumberFormatException ignored) {
                    // reported below
                }
            }
            if (port < 1 || port > 65535)
                throw Args.invalid("hosts", "'" + h + "' is not host:port with a port from 1 to 65535");
            out[i] = h;
        }
        return out;
    }

    // ================================================================ writes

    @Override
    public PutResult putParts(String key, List<ByteBuffer> parts, PutOptions options) {
        return putOne(key, parts, options, false, "parts");
    }

    @Override
    public PutResult upsertParts(String key, List<ByteBuffer> parts, PutOptions options) {
        return putOne(key, parts, options, true, "parts");
    }

    @Override
    public PutResult put(String key, byte[] value, PutOptions options) {
        return putOne(key, List.of(ByteBuffer.wrap(Args.nonNull(value, "value"))), options, false, "value");
    }

    @Override
    public PutResult putFrom(String key, ByteBuffer buffer, PutOptions options) {
        return putOne(key, List.of(Args.nonNull(buffer, "buffer")), options, false, "buffer");
    }

    @Override
    public PutResult upsert(String key, byte[] value, PutOptions options) {
        return putOne(key, List.of(ByteBuffer.wrap(Args.nonNull(value, "value"))), options, true, "value");
    }

    private PutResult putOne(String key, List<ByteBuffer> parts, PutOptions options, boolean upsert, String arg) {
        Args.checkKey(key, "key");
        byte[] payload = Payloads.asArray(parts, Payloads.totalSize(parts, topology().maxBlockBytes, arg));
        return write(List.of(key), List.of(payload), options, upsert).get(0).valueOrThrow();
    }

    @Override
    public List<KeyResult<PutResult>> batchPutFrom(List<String> keys, List<ByteBuffer> values, PutOptions options) {
        Args.checkKeys(keys, "keys", true);
        Args.checkBuffers(values, "values", false);
        Args.sameLength(keys.size(), values.size(), "values");
        List<byte[]> payloads = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            List<ByteBuffer> one = List.of(values.get(i));
            payloads.add(Payloads.asArray(one, Payloads.totalSize(one, topology().maxBlockBytes, "values[" + i + "]")));
        }
        return write(keys, payloads, options, false);
    }

    /**
     * Writes each key at the block channel of its primary where the node serves one (the request carries the payload
     * as it is; the primary writes the block as its own write), the others over the thin-client protocol.
     */
    private List<KeyResult<PutResult>> write(List<String> keys, List<byte[]> payloads, PutOptions o, boolean upsert) {
        Args.nonNull(o, "options");
        if (o.replicas() > topology().maxReplicas)
            throw Args.invalid("replicas", o.replicas() + " exceeds maxReplicas " + topology().maxReplicas);
        long softPin = softPinMillis(o);
        if (!BlockChannelClient.takes(keys, o))
            return thinWrite(keys, payloads, o, upsert, softPin, null);
        Map<String, byte[]> byKey = new java.util.HashMap<>();
        for (int i = 0; i < keys.size(); i++)
            byKey.put(keys.get(i), payloads.get(i));
        List<String> rest = new ArrayList<>();
        // Named, so that keys sent again the usual way after a broken connection know their own record.
        String writeId = writeIds.next();
        Map<String, Object> got = router.writeOverChannels(keys, byKey, o, upsert, writeId, rest);
        if (got.isEmpty())
            return thinWrite(keys, payloads, o, upsert, softPin, writeId);
        return BlockChannelClient.answers(keys, got, PutResult.class, rest, r -> {
            List<byte[]> p = new ArrayList<>(r.size());
            for (String k : r)
                p.add(byKey.get(k));
            return thinWrite(r, p, o, upsert, softPin, writeId);
        });
    }

    private List<KeyResult<PutResult>> thinWrite(List<String> keys, List<byte[]> payloads, PutOptions o, boolean upsert,
                                                 long softPin, String writeId) {
        KeyResult<PutResult>[] out = results(keys.size());
        perNode(keys, (node, idx) -> {
            WireReply r = router.call(node, s -> s.put(pick(keys, idx), pickList(payloads, idx), upsert, o.replicas(),
                softPin, o.hardPin(), o.preferredNode(), writeId));
            throwCallError(r);
            for (int j = 0; j < idx.size(); j++) {
                String k = keys.get(idx.get(j));
                KvGridException e = r.error(j);
                out[idx.get(j)] = e != null ? KeyResult.failed(k, e)
                    : KeyResult.ok(k, new PutResult(r.flags[j], (int) r.numbers[j]));
            }
        });
        return List.of(out);
    }

    /** -1: no soft pin; 0: the store's default TTL; else the TTL (a TTL too long for a long is capped, then refused). */
    private static long softPinMillis(PutOptions o) {
        if (o.softPinTtl() == null)
            return -1;
        if (o.softPinTtl().isZero())
            return 0;
        try {
            return Math.max(1, o.softPinTtl().toMillis());
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    // ================================================================ reads

    @Override
    public byte[] get(String key) {
        Args.checkKey(key, "key");
        return batchGet(List.of(key)).get(0).valueOrThrow();
    }

    /**
     * Reads each key from the block channel of its primary where the node serves one (a request and the stored bytes,
     * no thin-client marshalling), the others over the thin-client protocol.
     */
    @Override
    public List<KeyResult<byte[]>> batchGet(List<String> keys) {
        Args.checkKeys(keys, "keys", false);
        List<String> rest = new ArrayList<>();
        Map<String, Object> got = router.readOverChannels(keys, rest);
        if (got.isEmpty())
            return thinGet(keys);
        return BlockChannelClient.answers(keys, got, rest, this::thinGet);
    }

    private List<KeyResult<byte[]>> thinGet(List<String> keys) {
        KeyResult<byte[]>[] out = results(keys.size());
        perNode(keys, (node, idx) -> {
            WireReply r = router.call(node, s -> WireReply.joined(s.get(pick(keys, idx))));
            throwCallError(r);
            for (int j = 0; j < idx.size(); j++) {
                String k = keys.get(idx.get(j));
                KvGridException e = r.error(j);
                out[idx.get(j)] = e != null ? KeyResult.failed(k, e) : KeyResult.ok(k, r.payloads.get(j));
            }
        });
        return List.of(out);
    }

    @Override
    public int getInto(String key, ByteBuffer buffer) {
        Args.checkKey(key, "key");
        Args.nonNull(buffer, "buffer");
        if (buffer.isReadOnly())
            throw Args.invalid("buffer", "is read-only");
        return Payloads.into(batchGet(List.of(key)), List.of(buffer), i -> "buffer").get(0).valueOrThrow();
    }

    @Override
    public List<KeyResult<Integer>> batchGetInto(List<String> keys, List<ByteBuffer> buffers) {
        Args.checkKeys(keys, "keys", false);
        Args.checkBuffers(buffers, "buffers", true);
        Args.sameLength(keys.size(), buffers.size(), "buffers");
        return Payloads.into(batchGet(keys), buffers, i -> "buffers[" + i + "]");
    }

    @Override
    public Optional<BlockMeta> query(String key) {
        Args.checkKey(key, "key");
        WireReply r = router.call(router.snapshot().primaryOf(key), s -> s.query(new String[] {key}));
        throwCallError(r);
        WireMeta m = r.metas.get(0);
        return m == null ? Optional.empty() : Optional.of(m.toMeta());
    }

    @Override
    public List<String> listKeys(String regex) {
        Args.regex(regex);
        WireReply r = router.call(null, s -> s.listKeys(regex));
        throwCallError(r);
        return List.copyOf(r.strings);
    }

    /**
     * Looks each id up on the block channel of its primary where the node serves one (the node reads and leases its
     * own records), the others with one thin-client call.
     */
    @Override
    public boolean[] lookup(List<String> ids) {
        Args.checkKeys(ids, "ids", false);
        if (ids.isEmpty())
            return new boolean[0];
        List<String> rest = new ArrayList<>();
        Map<String, Boolean> got = router.lookupOverChannels(ids, rest);
        if (got.isEmpty())
            return thinLookup(ids);
        return BlockChannelClient.found(ids, got, rest, this::thinLookup);
    }

    private boolean[] thinLookup(List<String> ids) {
        WireReply r = router.call(router.snapshot().primaryOf(ids.get(0)),
            s -> s.lookup(ids.toArray(new String[0])));
        throwCallError(r);
        return r.flags;
    }

    @Override
    public void prefetch(List<String> ids) {
        Args.checkKeys(ids, "ids", false);
        if (!ids.isEmpty())
            throwCallError(router.call(null, s -> s.prefetch(ids.toArray(new String[0]))));
    }

    // ================================================================ removal

    @Override
    public void remove(String key, boolean force) {
        Args.checkKey(key, "key");
        batchRemove(List.of(key), force).get(0).valueOrThrow();
    }

    @Override
    public List<KeyResult<Boolean>> batchRemove(List<String> keys, boolean force) {
        Args.checkKeys(keys, "keys", false);
        KeyResult<Boolean>[] out = results(keys.size());
        perNode(keys, (node, idx) -> {
            WireReply r = router.call(node, s -> s.remove(pick(keys, idx), force));
            throwCallError(r);
            for (int j = 0; j < idx.size(); j++) {
                String k = keys.get(idx.get(j));
                KvGridException e = r.error(j);
                out[idx.get(j)] = e != null ? KeyResult.failed(k, e) : KeyResult.ok(k, true);
            }
        });
        return List.of(out);
    }

    @Override
    public RemoveResult removeByRegex(String regex, boolean force) {
        Args.regex(regex);
        WireReply r = router.call(null, s -> s.removeByRegex(regex, force));
        throwCallError(r);
        return new RemoveResult(r.numbers[0], r.numbers[1]);
    }

    // ================================================================ block (UCM) operations

    @Override
    public BlockTask load(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        Args.checkShardArgs(ids, shardIndex, buffers, true, topology().shardsPerBlock);
        return tasks.submit(() -> {
            byte[][] shards = new byte[ids.size()][];
            perNode(ids, (node, idx) -> {
                int[] si = new int[idx.size()];
                for (int j = 0; j < si.length; j++)
                    si[j] = shardIndex[idx.get(j)];
                WireReply r = router.call(node, s -> WireReply.joined(s.getShards(pick(ids, idx), si)));
                throwCallError(r);
                for (int j = 0; j < idx.size(); j++) {
                    KvGridException e = r.error(j);
                    if (e != null)
                        throw e;
                    shards[idx.get(j)] = r.payloads.get(j);
                }
            });
            // Every shard and buffer is checked before any buffer is written.
            for (int i = 0; i < shards.length; i++)
                if (buffers.get(i).remaining() < shards[i].length)
                    throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "buffers[" + i + "]",
                        "shard has " + shards[i].length + " bytes, buffer has " + buffers.get(i).remaining());
            for (int i = 0; i < shards.length; i++)
                buffers.get(i).put(shards[i]);
        });
    }

    @Override
    public BlockTask dump(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers) {
        WireTopology t = topology();
        Args.checkShardArgs(ids, shardIndex, buffers, false, t.shardsPerBlock);
        Args.checkDumpArgs(ids, buffers, t.shardsPerBlock, t.maxBlockBytes);
        return tasks.submit(() -> perNode(ids, (node, idx) -> {
            int[] si = new int[idx.size()];
            List<byte[]> bytes = new ArrayList<>(idx.size());
            for (int j = 0; j < si.length; j++) {
                si[j] = shardIndex[idx.get(j)];
                ByteBuffer b = buffers.get(idx.get(j));
                bytes.add(Payloads.asArray(List.of(b), b.remaining()));
            }
            throwCallError(router.call(node, s -> s.dumpShards(pick(ids, idx), si, bytes)));
        }));
    }

    // ================================================================ stats

    /** The counters of every server node, one request each. */
    public List<ServerStats> serverStats() {
        // The current servers, not the routing snapshot: a node lost since then would fail the call.
        router.refresh();
        WireTopology t = topology();
        List<ServerStats> out = new ArrayList<>();
        for (UUID id : t.nodeIds) {
            WireNodeStats w;
            try {
                w = router.stats(id);
            } catch (KvGridException e) {
                if (e.code() == ErrorCode.FORBIDDEN)
                    throw e;
                // Left the cluster between the topology and this call.
                LOG.debug("kvgrid: no counters from server {}: {}", id, e.toString());
                continue;
            }
            out.add(new ServerStats(w.consistentId, w.endpoint, new NodeStats(w.blocks, w.bytesUsed, w.capacityBytes,
                w.evictions, w.evictedBytes, w.leased, w.pinned), w.highWatermark, w.lowerTierBlocks,
                w.lowerTierBytes, w.lowerTierCapacityBytes, w.relayedPayloadRequests, w.copiesWaiting, w.copiesRestored));
        }
        return out;
    }

    /** A client holds no blocks: the sum of every server node's counters. */
    @Override
    public NodeStats localStats() {
        long[] sum = new long[7];
        for (ServerStats s : serverStats()) {
            NodeStats n = s.stats();
            long[] v = {n.blocks(), n.bytesUsed(), n.capacityBytes(), n.evictions(), n.evictedBytes(), n.leased(),
                n.pinned()};
            for (int i = 0; i < v.length; i++)
                sum[i] += v[i];
        }
        return new NodeStats(sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6]);
    }

    @Override
    public void close() {
        tasks.close();
        router.close();
    }

    // ================================================================ plumbing

    private WireTopology topology() {
        return router.snapshot().topology();
    }

    private interface NodeCall {
        void run(UUID node, List<Integer> indexes);
    }

    /** Runs {@code call} for each node's share of {@code keys}, the shares in parallel; rethrows the first failure. */
    private void perNode(List<String> keys, NodeCall call) {
        Map<UUID, List<Integer>> split = router.split(keys);
        if (split.size() <= 1) {
            split.forEach(call::run);
            return;
        }
        List<java.util.concurrent.CompletableFuture<Void>> running = new ArrayList<>();
        split.forEach((node, idx) -> running.add(java.util.concurrent.CompletableFuture.runAsync(
            () -> call.run(node, idx), router.pool())));
        KvGridException first = null;
        for (var f : running) {
            try {
                f.join();
            } catch (java.util.concurrent.CompletionException e) {
                KvGridException k = e.getCause() instanceof KvGridException ke ? ke
                    : Router.typed(e.getCause() instanceof RuntimeException re ? re : e);
                if (first == null)
                    first = k;
            }
        }
        if (first != null)
            throw first;
    }

    private static void throwCallError(WireReply r) {
        KvGridException e = r.callError();
        if (e != null)
            throw e;
    }

    private static String[] pick(List<String> keys, List<Integer> idx) {
        String[] out = new String[idx.size()];
        for (int j = 0; j < out.length; j++)
            out[j] = keys.get(idx.get(j));
        return out;
    }

    private static List<byte[]> pickList(List<byte[]> values, List<Integer> idx) {
        List<byte[]> out = new ArrayList<>(idx.size());
        for (int i : idx)
            out.add(values.get(i));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static <T> KeyResult<T>[] results(int n) {
        return new KeyResult[n];
    }
}
