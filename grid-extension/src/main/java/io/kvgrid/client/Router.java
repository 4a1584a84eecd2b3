package io.kvgrid.client;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.grid.BlockChannelClient;
import io.kvgrid.grid.KvGridAffinity;
import io.kvgrid.grid.KvGridService;
import io.kvgrid.grid.WireNodeStats;
import io.kvgrid.grid.WireReply;
import io.kvgrid.grid.WireTopology;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientAuthenticationException;
import org.apache.ignite.client.ClientAuthorizationException;
import org.apache.ignite.client.ClientConnectionException;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.configuration.ClientConfiguration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Sends each request to the server node that holds its keys: one thin-client connection per server node (opened on
 * first use, from the endpoints the cluster reports), the partition of a key computed with kvgrid's own affinity, and
 * the partitions' primaries from the cluster's topology, refreshed whenever a reply reports a newer one. A node that
 * cannot be reached is dropped and the request goes through the connection the client was opened with.
 */
final class Router implements AutoCloseable {
    private final ClientConfiguration base;
    private final long timeoutMillis;
    private final IgniteClient seed;
    private final KvGridService seedService;
    private final Map<UUID, Channel> channels = new ConcurrentHashMap<>();
    /** Whole-block reads straight from the nodes' block channels, where they serve one; null when TLS rules it out. */
    private final BlockChannelClient blocks;
    private volatile Snapshot snapshot;
    private volatile boolean stale;
    private final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kvgrid-client-request");
        t.setDaemon(true);
        return t;
    });

    private record Channel(IgniteClient client, KvGridService service) {
    }

    /**
     * A topology, the affinity that maps keys to its partitions, and per node its block channel (null when it serves
     * none).
     */
    record Snapshot(WireTopology topology, KvGridAffinity affinity, BlockChannelClient.Peer[] channels) {
        UUID primaryOf(String key) {
            int node = topology.primary[affinity.partition(key)];
            return node < 0 ? null : topology.nodeIds[node];
        }

        /** The block channel of {@code key}'s primary, or null. */
        BlockChannelClient.Peer channelOf(String key) {
            int node = topology.primary[affinity.partition(key)];
            return node < 0 ? null : channels[node];
        }

        static Snapshot of(WireTopology t) {
            BlockChannelClient.Peer[] peers = new BlockChannelClient.Peer[t.nodeIds.length];
            for (int i = 0; t.channelPorts != null && i < peers.length; i++) {
                List<String> hosts = new ArrayList<>();
                for (String e : t.endpointsOf(i)) // host:port or [v6]:port
                    hosts.add(e.substring(0, e.lastIndexOf(':')).replace("[", "").replace("]", ""));
                if (t.channelPorts[i] > 0 && !hosts.isEmpty())
                    peers[i] = new BlockChannelClient.Peer(t.nodeIds[i], t.consistentIds[i], hosts, t.channelPorts[i]);
            }
            return new Snapshot(t, new KvGridAffinity(t.partitions), peers);
        }
    }

    Router(ClientConfiguration base, long timeoutMillis) {
        this.base = base;
        this.timeoutMillis = timeoutMillis;
        this.blocks = ChannelTls.usable(base) ? new BlockChannelClient(ChannelTls.of(base), timeoutMillis) : null;
        try {
            this.seed = Ignition.startClient(base);
        } catch (RuntimeException e) {
            if (blocks != null)
                blocks.close();
            throw unreachable(String.join(",", base.getAddresses()), base.getSslMode(), e);
        }
        this.seedService = seed.services().serviceProxy(KvGridService.NAME, KvGridService.class, timeoutMillis);
        try {
            refresh();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private volatile boolean closed;

    private void ensureOpen() {
        if (closed)
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "the client is closed");
    }

    Snapshot snapshot() {
        ensureOpen();
        if (stale) {
            stale = false;
            try {
                refresh();
            } catch (KvGridException e) {
                // keep routing by the old topology; the seed connection still reaches the cluster
            }
        }
        return snapshot;
    }

    void refresh() {
        WireTopology t = guard(() -> seedService.topology());
        snapshot = Snapshot.of(t);
        List<UUID> live = List.of(t.nodeIds);
        if (blocks != null)
            blocks.retain(live::contains);
        channels.keySet().removeIf(id -> {
            if (live.contains(id))
                return false;
            closeQuietly(channels.get(id));
            return true;
        });
    }

    /**
     * Reads {@code keys} from the block channels of their primaries: byte[] or the key's KvGridException by key, for
     * every key except those put into {@code rest} (the primary serves no channel, or no connection to it is ready),
     * which take the thin-client protocol.
     */
    Map<String, Object> readOverChannels(List<String> keys, List<String> rest) {
        return overChannels(keys, rest, BlockChannelClient::read);
    }

    /** Looks {@code keys} up on the block channels of their primaries, as {@link #readOverChannels} reads them. */
    Map<String, Boolean> lookupOverChannels(List<String> keys, List<String> rest) {
        return overChannels(keys, rest, BlockChannelClient::lookup);
    }

    /**
     * Writes {@code keys} with their {@code payloads} at the block channels of their primaries, as
     * {@link #readOverChannels} reads them: PutResult or the key's KvGridException by key, the rest put into
     * {@code rest} for the thin-client protocol.
     */
    Map<String, Object> writeOverChannels(List<String> keys, Map<String, byte[]> payloads, io.kvgrid.PutOptions options,
                                          boolean upsert, String writeId, List<String> rest) {
        return overChannels(keys, rest, (c, byPeer, r) -> c.write(byPeer, payloads, options, upsert, writeId, r));
    }

    private <T> Map<String, T> overChannels(List<String> keys, List<String> rest, ChannelCall<T> call) {
        Snapshot s = snapshot();
        if (blocks == null) {
            rest.addAll(keys);
            return Map.of();
        }
        Map<BlockChannelClient.Peer, List<String>> byPeer = new LinkedHashMap<>();
        for (String k : keys) {
            BlockChannelClient.Peer p = s.channelOf(k);
            if (p == null)
                rest.add(k);
            else
                byPeer.computeIfAbsent(p, x -> new ArrayList<>()).add(k);
        }
        return byPeer.isEmpty() ? Map.of() : call.apply(blocks, byPeer, rest);
    }

    /** {@link BlockChannelClient#read} or {@link BlockChannelClient#lookup}. */
    private interface ChannelCall<T> {
        Map<String, T> apply(BlockChannelClient c, Map<BlockChannelClient.Peer, List<String>> byPeer,
                             List<String> rest);
    }

    /** Groups the indexes of {@code keys} by the node to send them to (null: any node). */
    Map<UUID, List<Integer>> split(List<String> keys) {
        Snapshot s = snapshot();
        Map<UUID, List<Integer>> out = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++)
            out.computeIfAbsent(s.primaryOf(keys.get(i)), x -> new ArrayList<>()).add(i);
        return out;
    }

    /**
     * Runs {@code call} against {@code node}'s service (the seed's when null or unreachable) and returns its reply,
     * noting a newer topology. Transport failures become typed errors.
     */
    WireReply call(UUID node, Function<KvGridService, WireReply> call) {
        ensureOpen();
        WireReply r;
        Channel ch = node == null ? null : channel(node);
        if (ch == null) {
            r = guard(() -> call.apply(seedService));
        } else {
            try {
                r = call.apply(ch.service());
            } catch (ClientConnectionException e) {
                channels.remove(node, ch);
                closeQuietly(ch);
                stale = true;
                r = guard(() -> call.apply(seedService));
            } catch (RuntimeException e) {
                throw typed(e);
            }
        }
        if (r.topologyVersion > snapshot.topology().version || r.routingStale)
            stale = true;
        return r;
    }

    /** Counters of {@code node}: through its own connection, or relayed to it by the seed's node. */
    WireNodeStats stats(UUID node) {
        Channel ch = channel(node);
        if (ch != null) {
            try {
                return ch.service().nodeStats();
            } catch (ClientConnectionException e) {
                channels.remove(node, ch);
                closeQuietly(ch);
            } catch (RuntimeException e) {
                throw typed(e);
            }
        }
        return guard(() -> seed.services(seed.cluster().forNodeIds(List.of(node)))
            .<KvGridService>serviceProxy(KvGridService.NAME, KvGridService.class, timeoutMillis).nodeStats());
    }

    /** Threads that send the per-node shares of a batch side by side. */
    java.util.concurrent.Executor pool() {
        return pool;
    }

    private Channel channel(UUID node) {
        Channel ch = channels.get(node);
        if (ch != null)
            return ch;
        WireTopology t = snapshot.topology();
        for (int i = 0; i < t.nodeIds.length; i++) {
            if (!t.nodeIds[i].equals(node) || t.endpointsOf(i).isEmpty())
                continue;
            try {
                IgniteClient c = Ignition.startClient(copyOf(base, t.endpointsOf(i)));
                Channel made = new Channel(c,
                    c.services().serviceProxy(KvGridService.NAME, KvGridService.class, timeoutMillis));
                Channel prev = channels.putIfAbsent(node, made);
                if (prev != null) {
                    closeQuietly(made);
                    return prev;
                }
                return made;
            } catch (RuntimeException e) {
                return null; // not reachable from here (other network, firewall): go through the seed
            }
        }
        return null;
    }

    /** {@code base} (TLS, credentials, timeouts) pointed at one node's endpoints, without discovering others. */
    private static ClientConfiguration copyOf(ClientConfiguration base, List<String> endpoints) {
        return new ClientConfiguration()
            .setAddresses(endpoints.toArray(new String[0]))
            .setPartitionAwarenessEnabled(false)
            .setClusterDiscoveryEnabled(false)
            .setTimeout(base.getTimeout())
            .setTcpNoDelay(base.isTcpNoDelay())
            .setSendBufferSize(base.getSendBufferSize())
            .setReceiveBufferSize(base.getReceiveBufferSize())
            .setBinaryConfiguration(base.getBinaryConfiguration())
            .setUserName(base.getUserName())
            .setUserPassword(base.getUserPassword())
            .setSslMode(base.getSslMode())
            .setSslContextFactory(base.getSslContextFactory())
            .setSslProtocol(base.getSslProtocol())
            .setSslKeyAlgorithm(base.getSslKeyAlgorithm())
            .setSslClientCertificateKeyStorePath(base.getSslClientCertificateKeyStorePath())
            .setSslClientCertificateKeyStoreType(base.getSslClientCertificateKeyStoreType())
            .setSslClientCertificateKeyStorePassword(base.getSslClientCertificateKeyStorePassword())
            .setSslTrustCertificateKeyStorePath(base.getSslTrustCertificateKeyStorePath())
            .setSslTrustCertificateKeyStoreType(base.getSslTrustCertificateKeyStoreType())
            .setSslTrustCertificateKeyStorePassword(base.getSslTrustCertificateKeyStorePassword())
            .setSslTrustAll(base.isSslTrustAll());
    }

    private static <T> T guard(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw typed(e);
        }
    }

    /** The thin client's failures as kvgrid's typed errors. */
    static KvGridException typed(RuntimeException e) {
        if (e instanceof KvGridException k)
            return k;
        String msg = String.valueOf(e.getMessage());
        if (e instanceof ClientConnectionException)
            return new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "connection lost: " + msg, e);
        if (e instanceof ClientAuthenticationException || e instanceof ClientAuthorizationException)
            return new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "refused by the cluster: " + msg, e);
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof java.util.concurrent.TimeoutException
                || String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timed out"))
                return new KvGridException(ErrorCode.TIMEOUT, null, "request timed out: " + msg, e);
        if (e instanceof ClientException && msg.contains("Service not found"))
            return new KvGridException(ErrorCode.NODE_UNAVAILABLE, null,
                "the cluster serves no kvgrid (is the kvgrid plugin on its nodes?): " + msg, e);
        return new KvGridException(ErrorCode.INTERNAL, null, msg, e);
    }

    private static KvGridException unreachable(String hosts, org.apache.ignite.client.SslMode ssl, RuntimeException e) {
        String hint = ssl == org.apache.ignite.client.SslMode.REQUIRED
            ? " (TLS: the servers refuse a client without a certificate, with one of another CA, an expired one or one "
                + "without a client role, and a node without TLS does not answer a TLS client)"
            : " (servers started with kvgrid-tls.xml accept TLS clients only: connect with --tls-dir DIR --client NAME "
                + "or KvGridClient.connect(hosts, tlsDir, clientName))";
        return new KvGridException(ErrorCode.NODE_UNAVAILABLE, "hosts", "no kvgrid node reachable at " + hosts
            + ": " + e.getMessage() + hint, e);
    }

    private static void closeQuietly(Channel ch) {
        if (ch == null)
            return;
        try {
            ch.client().close();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        pool.shutdown();
        if (blocks != null)
            blocks.close();
        channels.values().forEach(Router::closeQuietly);
        channels.clear();
        try {
            seed.close();
        } catch (RuntimeException ignored) {
            // closing anyway
        }
    }
}
