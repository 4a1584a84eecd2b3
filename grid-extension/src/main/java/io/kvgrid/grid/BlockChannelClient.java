package io.kvgrid.grid;

import io.kvgrid.KvGridException;
import org.apache.ignite.IgniteCluster;
import org.apache.ignite.cluster.ClusterNode;

import javax.cache.configuration.Factory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reads whole blocks from the nodes that hold them over their block channels ({@link BlockChannelServer}), on
 * connections kept open per node. A request to each node goes out before any reply is read, so a batch spread over
 * nodes costs one round trip. Reads never wait for a connection to be made: a node without an idle connection is
 * connected in the background and its keys come back in {@code unanswered} meanwhile, as do keys of a node without a
 * channel or whose connection broke; the caller reads those through Ignite, which reports its own failures. Only a
 * node that took a request and then did not answer within the read deadline fails its keys (TIMEOUT), as Ignite's
 * path would.
 */
final class BlockChannelClient implements AutoCloseable {
    private static final int CONNECT_MILLIS = 5_000;
    private static final int IDLE_PER_NODE = 8;
    /** The longest array a JVM allocates: a node may be configured for larger blocks than this client. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final IgniteCluster cluster;
    private final Factory<SSLContext> tls;
    private final Map<UUID, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();
    private final Set<UUID> connecting = ConcurrentHashMap.newKeySet();
    private final ExecutorService connector = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kvgrid-block-channel-connect");
        t.setDaemon(true);
        return t;
    });
    private volatile long prunedAt = -1;
    private volatile boolean closed;

    BlockChannelClient(IgniteCluster cluster, Factory<SSLContext> tls) {
        this.cluster = cluster;
        this.tls = tls;
    }

    /** The node's block channel port, or -1 when it has none. */
    static int port(ClusterNode node) {
        Object p = node.attribute(BlockChannelServer.PORT_ATTRIBUTE);
        return p instanceof Integer i ? i : -1;
    }

    /**
     * Reads {@code byNode}'s keys from their nodes: byte[] or the key's KvGridException by key, for every key except
     * those put into {@code unanswered}.
     */
    Map<String, Object> read(Map<ClusterNode, List<String>> byNode, Collection<String> unanswered) {
        pruneLeftNodes();
        Map<String, Object> out = new LinkedHashMap<>();
        List<Request> sent = new ArrayList<>();
        for (Map.Entry<ClusterNode, List<String>> e : byNode.entrySet()) {
            Request r = send(e.getKey(), e.getValue());
            if (r == null)
                unanswered.addAll(e.getValue());
            else
                sent.add(r);
        }
        for (Request r : sent)
            receive(r, out, unanswered);
        return out;
    }

    private record Request(ClusterNode node, List<String> keys, Connection conn) {
    }

    /** The request on an idle connection to {@code node}; null (and a connection on its way) when there is none. */
    private Request send(ClusterNode node, List<String> keys) {
        if (closed || port(node) < 0)
            return null;
        ConcurrentLinkedDeque<Connection> q = idle.get(node.id());
        Connection c = q == null ? null : q.pollFirst();
        if (c == null) {
            connectLater(node);
            return null;
        }
        try {
            BlockChannelWire.writeGet(c.out, keys);
            c.out.flush();
            return new Request(node, keys, c);
        } catch (IOException e) {
            c.close(); // closed by the server while idle
            connectLater(node);
            return null;
        }
    }

    private void receive(Request r, Map<String, Object> out, Collection<String> unanswered) {
        Connection c = r.conn;
        Map<String, Object> got = new LinkedHashMap<>();
        try {
            long left = Deadlines.remainingMillis();
            c.socket.setSoTimeout(left < 0 ? CONNECT_MILLIS : (int) Math.max(1, Math.min(Integer.MAX_VALUE, left)));
            for (String k : r.keys)
                got.put(k, BlockChannelWire.readAnswer(c.in, MAX_ARRAY)); // the nodes' own limit applies
            out.putAll(got);
            release(r.node, c);
        } catch (SocketTimeoutException e) {
            c.close();
            KvGridException late = Deadlines.timeoutNow("reading from node " + r.node.consistentId());
            for (String k : r.keys)
                out.put(k, got.getOrDefault(k, late));
        } catch (IOException e) {
            c.close(); // broken or refused: Ignite's path answers, and a fresh connection is made meanwhile
            connectLater(r.node);
            unanswered.addAll(r.keys);
        }
    }

    private void release(ClusterNode node, Connection c) {
        ConcurrentLinkedDeque<Connection> q = idle.computeIfAbsent(node.id(), x -> new ConcurrentLinkedDeque<>());
        if (closed || q.size() >= IDLE_PER_NODE)
            c.close();
        else
            q.offerFirst(c);
    }

    /** Opens one more connection to {@code node} in the background, unless one is being opened already. */
    private void connectLater(ClusterNode node) {
        if (closed || !connecting.add(node.id()))
            return;
        try {
            connector.execute(() -> {
                try {
                    Connection c = connect(node);
                    if (c != null)
                        release(node, c);
                } finally {
                    connecting.remove(node.id());
                }
            });
        } catch (RuntimeException e) {
            connecting.remove(node.id()); // closing
        }
    }

    /** A verified connection to {@code node}'s channel, trying its addresses in turn; null when none answers. */
    private Connection connect(ClusterNode node) {
        for (String host : node.addresses()) {
            Socket s = null;
            try {
                s = tls == null ? new Socket() : tls.create().getSocketFactory().createSocket();
                s.setTcpNoDelay(true);
                s.setReceiveBufferSize(1 << 20);
                s.connect(new InetSocketAddress(host, port(node)), CONNECT_MILLIS);
                s.setSoTimeout(CONNECT_MILLIS);
                if (s instanceof SSLSocket ssl)
                    ssl.startHandshake();
                Connection c = new Connection(s);
                BlockChannelWire.writeHello(c.out, node.id());
                c.out.flush();
                if (c.in.readUnsignedByte() == BlockChannelWire.OK)
                    return c;
                c.close();
            } catch (IOException | RuntimeException e) {
                // not there, or another node listening at that address: try the next one
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
        }
        return null;
    }

    /** Closes the idle connections of nodes that left, once per topology version. */
    private void pruneLeftNodes() {
        long v = cluster.topologyVersion();
        if (v == prunedAt)
            return;
        prunedAt = v;
        for (UUID id : idle.keySet()) {
            if (cluster.node(id) == null) {
                ConcurrentLinkedDeque<Connection> q = idle.remove(id);
                if (q != null)
                    for (Connection c; (c = q.pollFirst()) != null; )
                        c.close();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        connector.shutdownNow();
        for (ConcurrentLinkedDeque<Connection> q : idle.values())
            for (Connection c; (c = q.pollFirst()) != null; )
                c.close();
    }

    private static final class Connection {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 << 10));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 16 << 10));
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
