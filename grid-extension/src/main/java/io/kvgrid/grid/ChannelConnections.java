package io.kvgrid.grid;

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
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A block channel client's connections, kept open per node ({@link BlockChannelClient}): a request takes an idle one
 * or none (one is then made in the background, never while the request waits), and gives it back once answered. A
 * node that cannot be reached is tried again after a second. Each connection's socket writes are watched
 * ({@link StallGuard}): a write to a node that stopped reading ends with the socket closed.
 */
final class ChannelConnections implements AutoCloseable {
    private static final int CONNECT_MILLIS = 5_000;
    private static final int IDLE_PER_NODE = 8;
    /** After a failed connect the node is not tried again for this long (its keys take the usual path meanwhile). */
    private static final long RETRY_NANOS = 1_000_000_000L;

    private final Factory<SSLContext> tls;
    private final Map<UUID, ConcurrentLinkedDeque<Connection>> idle = new ConcurrentHashMap<>();
    private final Set<UUID> connecting = ConcurrentHashMap.newKeySet();
    private final Map<UUID, Long> failedAt = new ConcurrentHashMap<>();
    private final ExecutorService connector = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kvgrid-block-channel-connect");
        t.setDaemon(true);
        return t;
    });
    /** Ends a write to a node that stopped reading at the deadline of the request. */
    private final StallGuard stalls = new StallGuard("kvgrid-block-channel-watchdog");
    private volatile boolean closed;

    /** Connections over TLS from {@code tls}, plain TCP when null. */
    ChannelConnections(Factory<SSLContext> tls) {
        this.tls = tls;
    }

    boolean closed() {
        return closed;
    }

    /** An idle connection to {@code node}; null, and one more on its way, when there is none. */
    Connection take(BlockChannelClient.Peer node) {
        if (closed)
            return null;
        ConcurrentLinkedDeque<Connection> q = idle.get(node.id());
        Connection c = q == null ? null : q.pollFirst();
        if (c == null)
            connectLater(node);
        return c;
    }

    /** {@code c} back to {@code node}'s idle ones (closed when there are enough, or when closing). */
    void release(UUID node, Connection c) {
        ConcurrentLinkedDeque<Connection> q = idle.computeIfAbsent(node, x -> new ConcurrentLinkedDeque<>());
        if (closed || q.size() >= IDLE_PER_NODE)
            c.close();
        else
            q.offerFirst(c);
    }

    /** Opens one more connection to {@code node} in the background, unless one is being opened already. */
    void connectLater(BlockChannelClient.Peer node) {
        Long failed = failedAt.get(node.id());
        if (failed != null && System.nanoTime() - failed < RETRY_NANOS || closed || !connecting.add(node.id()))
            return;
        try {
            connector.execute(() -> {
                try {
                    Connection c = connect(node);
                    if (c != null) {
                        failedAt.remove(node.id());
                        release(node.id(), c);
                    } else {
                        failedAt.put(node.id(), System.nanoTime());
                    }
                } finally {
                    connecting.remove(node.id());
                }
            });
        } catch (RuntimeException e) {
            connecting.remove(node.id()); // closing
        }
    }

    /** A verified connection to {@code node}'s channel, trying its hosts in turn; null when none answers. */
    private Connection connect(BlockChannelClient.Peer node) {
        for (String host : node.hosts()) {
            Socket s = null;
            try {
                s = tls == null ? new Socket() : tls.create().getSocketFactory().createSocket();
                s.setTcpNoDelay(true);
                s.setReceiveBufferSize(1 << 20);
                s.connect(new InetSocketAddress(host, node.port()), CONNECT_MILLIS);
                s.setSoTimeout(CONNECT_MILLIS);
                if (s instanceof SSLSocket ssl)
                    ssl.startHandshake();
                Connection c = new Connection(s, stalls.watch(s));
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

    /** Closes the idle connections of nodes {@code live} no longer holds (nodes that left). */
    void retain(Predicate<UUID> live) {
        failedAt.keySet().removeIf(id -> !live.test(id));
        for (UUID id : idle.keySet()) {
            if (!live.test(id)) {
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
        stalls.close();
        for (ConcurrentLinkedDeque<Connection> q : idle.values())
            for (Connection c; (c = q.pollFirst()) != null; )
                c.close();
    }

    /** One open, verified connection to a node's channel, and the watch of its socket writes. */
    static final class Connection {
        final Socket socket;
        final DataInputStream in;
        final DataOutputStream out;
        final StallGuard.Watch watch;

        Connection(Socket socket, StallGuard.Watch watch) throws IOException {
            this.socket = socket;
            this.watch = watch;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 << 10));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 16 << 10));
        }

        void close() {
            watch.forget();
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
