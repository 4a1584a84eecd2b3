package io.kvgrid.grid;

import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import io.kvgrid.grid.ChannelConnections.Connection;
import org.apache.ignite.cluster.ClusterNode;

import javax.cache.configuration.Factory;
import javax.net.ssl.SSLContext;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reads and writes whole blocks at the nodes that hold them, and looks blocks up on them, over their block channels
 * ({@link BlockChannelServer}), on connections kept open per node. A request to each node goes out before any reply
 * is read, so a batch spread over nodes costs one round trip (one per piece, when a node's keys are more than one
 * request carries: {@link RequestPieces}). Requests never wait for a connection to be made: a node without an idle
 * connection is connected in the background and its keys come back in {@code unanswered} meanwhile, as do keys of a
 * node whose connection broke before it answered them; the caller reads (or writes) those its usual way (Ignite, or
 * the thin-client protocol), which reports its own failures. Only keys of a node that took a request and then did not
 * answer in time, and those of its later pieces, fail (TIMEOUT for reads and writes, misses for lookups), as the usual
 * path would. Used by client nodes ({@link ChannelRoutes}) and by {@code KvGridClient}; internal.
 */
public final class BlockChannelClient implements AutoCloseable {
    /** The longest array a JVM allocates: a node may be configured for larger blocks than this client. */
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** {@link #sendPiece}, {@link #receivePiece}: the connection broke (its keys take the usual path). */
    private static final Object BROKEN = new Object();

    private final long timeoutMillis;
    /**
     * The most payload bytes one PUT carries. A node's keys of a batch put beyond them, or beyond
     * {@link BlockChannelWire#MAX_KEYS} keys (any request), go in further requests on the same connection, each sent
     * once the one before is answered ({@link RequestPieces}).
     */
    private final long putBytes;
    private final ChannelConnections connections;
    /**
     * Threads reading answers beside the callers' own (and sending a node's later pieces): past them, a caller reads
     * its nodes' answers itself.
     */
    private static final int MAX_RECEIVERS = 4 * Runtime.getRuntime().availableProcessors();
    /**
     * Reads the answers of a request's second and further nodes ({@link #receiveAll}). Bounded: each thread keeps the
     * JDK's temporary direct buffer of its socket reads while it lives; a request finding every thread busy reads
     * its remaining nodes' answers on its own thread, one after another.
     */
    private final ExecutorService receivers = new java.util.concurrent.ThreadPoolExecutor(0, MAX_RECEIVERS, 30,
        java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "kvgrid-block-channel-receive");
        t.setDaemon(true);
        return t;
    });

    /** A server node's channel: the node it must be (its HELLO), the hosts to try in turn, and its port. */
    public record Peer(UUID id, String name, List<String> hosts, int port) {
    }

    /**
     * A client over TLS from {@code tls} (plain TCP when null) that waits {@code timeoutMillis} for an answer when the
     * read runs under no deadline of its own.
     */
    public BlockChannelClient(Factory<SSLContext> tls, long timeoutMillis) {
        this(tls, timeoutMillis, BlockChannelServer.BUDGET_FLOOR);
    }

    /**
     * {@link #BlockChannelClient(Factory, long)} sending PUTs of at most {@code putBytes} payload bytes (a single
     * larger block goes alone): the least budget for writes a node has ({@link BlockChannelServer#BUDGET_FLOOR}),
     * smaller in tests.
     */
    BlockChannelClient(Factory<SSLContext> tls, long timeoutMillis, long putBytes) {
        this.connections = new ChannelConnections(tls);
        this.timeoutMillis = timeoutMillis;
        this.putBytes = putBytes;
    }

    /** The node's block channel port, or -1 when it has none. */
    public static int port(ClusterNode node) {
        Object p = node.attribute(BlockChannelServer.PORT_ATTRIBUTE);
        return p instanceof Integer i ? i : -1;
    }

    /** The channel of {@code node}, or null when it serves none. */
    static Peer peer(ClusterNode node) {
        int port = port(node);
        return port < 0 ? null : new Peer(node.id(), String.valueOf(node.consistentId()),
            List.copyOf(node.addresses()), port);
    }

    /**
     * Reads {@code byPeer}'s keys from their nodes: byte[] or the key's KvGridException by key, for every key except
     * those put into {@code unanswered}.
     */
    public Map<String, Object> read(Map<Peer, List<String>> byPeer, Collection<String> unanswered) {
        return exchange(BlockChannelWire.GET, byPeer, unanswered);
    }

    /**
     * Looks {@code byPeer}'s keys up on their nodes, as the nodes' own {@code lookup} does (found blocks leased):
     * Boolean by key, for every key except those put into {@code unanswered} (no connection ready, a broken one, or
     * the node's lookup failed). A node that took the request and did not answer in time counts its keys as misses,
     * as a lookup past its deadline does.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Boolean> lookup(Map<Peer, List<String>> byPeer, Collection<String> unanswered) {
        return (Map<String, Boolean>) (Map<String, ?>) exchange(BlockChannelWire.LOOKUP, byPeer, unanswered);
    }

    /**
     * Writes {@code byPeer}'s keys with their {@code payloads} through their nodes' stores, with the options of
     * {@code header}: PutResult or the key's KvGridException by key, for every key except those put into
     * {@code unanswered} (no connection ready, or one that broke or was refused before an answer: the caller writes
     * those its usual way under the same write id: a write-once put that did land then reports the block as its own
     * write, {@code existed} false). A node that took the request and did not answer in time fails its keys, and those
     * of its later pieces, with TIMEOUT, as a write past its deadline does.
     */
    public Map<String, Object> write(Map<Peer, List<String>> byPeer, Map<String, byte[]> payloads,
                                     BlockChannelWire.PutHeader header, Collection<String> unanswered) {
        return exchange(BlockChannelWire.PUT, byPeer, unanswered, k -> payloads.get(k).length, (out, keys) -> {
            List<byte[]> p = new ArrayList<>(keys.size());
            for (String k : keys)
                p.add(payloads.get(k));
            BlockChannelWire.writePut(out, header, keys, p);
        });
    }

    /**
     * {@link #write} of a put (or, with {@code replace}, an upsert) with {@code options}, named {@code writeId}
     * ({@link WriteIds}).
     */
    public Map<String, Object> write(Map<Peer, List<String>> byPeer, Map<String, byte[]> payloads,
                                     io.kvgrid.PutOptions options, boolean replace, String writeId,
                                     Collection<String> unanswered) {
        return write(byPeer, payloads, BlockChannelWire.PutHeader.of(options, replace, writeId), unanswered);
    }

    /**
     * Whether a write of {@code keys} with {@code options} may take the channels: not a GPU pin (it pins into the
     * writing node's own tier), nor a batch naming a key twice (answers are by key).
     */
    public static boolean takes(List<String> keys, io.kvgrid.PutOptions options) {
        return !options.gpuPin() && (keys.size() == 1 || new java.util.HashSet<>(keys).size() == keys.size());
    }

    private interface RequestWriter {
        void write(DataOutputStream out, List<String> keys) throws IOException;
    }

    private Map<String, Object> exchange(byte op, Map<Peer, List<String>> byPeer, Collection<String> unanswered) {
        return exchange(op, byPeer, unanswered, k -> 0,
            (out, keys) -> BlockChannelWire.writeRequest(out, op, keys));
    }

    /**
     * Sends each node its first request ({@link RequestPieces} of its keys, at most {@link #putBytes} of
     * {@code bytes} each), then receives the answers; a node's further requests go out on its connection as the
     * answers to the one before come in.
     */
    private Map<String, Object> exchange(byte op, Map<Peer, List<String>> byPeer, Collection<String> unanswered,
                                         java.util.function.ToLongFunction<String> bytes, RequestWriter writer) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Request> sent = new ArrayList<>();
        for (Map.Entry<Peer, List<String>> e : byPeer.entrySet()) {
            if (e.getValue().isEmpty())
                continue;
            RequestPieces pieces = new RequestPieces(e.getValue(), bytes, putBytes);
            Connection c = connections.take(e.getKey());
            Request r = c == null ? null : new Request(op, e.getKey(), pieces, writer, c);
            Object failed = r == null ? BROKEN : sendPiece(r);
            if (failed == null)
                sent.add(r);
            else
                settle(pieces.all(), failed, out, unanswered);
        }
        receiveAll(sent, out, unanswered);
        return out;
    }

    /**
     * Receives the answers to {@code sent}: the first request's on this thread, each other's on a thread of its own.
     * Read one after another, a node waited with its socket buffers full until the answers before its own were read;
     * read at once, every node writes its answers as it reads them. Answers are merged in the order of the requests.
     */
    private void receiveAll(List<Request> sent, Map<String, Object> out, Collection<String> unanswered) {
        int n = sent.size();
        List<Map<String, Object>> outs = new ArrayList<>(n);
        List<Collection<String>> missed = new ArrayList<>(n);
        List<Runnable> reads = new ArrayList<>(n);
        List<java.util.concurrent.Future<?>> beside = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Request r = sent.get(i);
            Map<String, Object> o = i == 0 ? out : new LinkedHashMap<>();
            Collection<String> u = i == 0 ? unanswered : new ArrayList<>();
            outs.add(o);
            missed.add(u);
            reads.add(() -> receive(r, o, u));
            beside.add(i == 0 ? null : besideThis(Deadlines.carried(reads.get(i))));
        }
        // Each read is awaited and merged whatever the ones before it did: their connections are released.
        Throwable failed = null;
        for (int i = 0; i < n; i++) {
            Throwable e = beside.get(i) == null ? ranHere(reads.get(i)) : finished(beside.get(i));
            failed = failed == null ? e : failed;
            if (i > 0) {
                out.putAll(outs.get(i));
                unanswered.addAll(missed.get(i));
            }
        }
        if (failed instanceof Error err)
            throw err;
        if (failed != null)
            throw (RuntimeException) failed;
    }

    /** {@code read} submitted to a receiving thread; null when every one is busy, or closing: read on this thread. */
    private java.util.concurrent.Future<?> besideThis(Runnable read) {
        try {
            return receivers.submit(read);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return null;
        }
    }

    /** Runs {@code read} on this thread: what it threw, or null. */
    private static Throwable ranHere(Runnable read) {
        try {
            read.run();
            return null;
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    /**
     * Waits for {@code f} to finish, through interrupts (its socket's timeout ends it; its answers must be merged, its
     * connection released), which it sets again; what it threw, or null.
     */
    private static Throwable finished(java.util.concurrent.Future<?> f) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return null;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    return e.getCause() instanceof RuntimeException || e.getCause() instanceof Error ? e.getCause()
                        : new IllegalStateException("reading a block channel's answers", e.getCause());
                }
            }
        } finally {
            if (interrupted)
                Thread.currentThread().interrupt();
        }
    }

    /**
     * Each key's answer in order: what its channel answered in {@code got} (the bytes or the key's error), else what
     * {@code usual} (the caller's own path, run once on {@code rest}) answered.
     */
    public static List<KeyResult<byte[]>> answers(List<String> keys, Map<String, Object> got, List<String> rest,
                                                  Function<List<String>, List<KeyResult<byte[]>>> usual) {
        return answers(keys, got, byte[].class, rest, usual);
    }

    /** {@link #answers} for answers of {@code type} (a read's bytes, a write's PutResult). */
    public static <T> List<KeyResult<T>> answers(List<String> keys, Map<String, Object> got, Class<T> type,
                                          List<String> rest, Function<List<String>, List<KeyResult<T>>> usual) {
        Map<String, KeyResult<T>> others = new HashMap<>();
        if (!rest.isEmpty())
            for (KeyResult<T> r : usual.apply(rest))
                others.put(r.key(), r);
        List<KeyResult<T>> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            Object v = got.get(k);
            if (type.isInstance(v))
                out.add(KeyResult.ok(k, type.cast(v)));
            else if (v instanceof KvGridException e)
                out.add(KeyResult.failed(k, e));
            else
                out.add(others.get(k));
        }
        return List.copyOf(out);
    }

    /**
     * Each id's lookup answer in order: what its channel answered in {@code got}, else what {@code usual} (the caller's
     * own path, run once on {@code rest}) answered.
     */
    public static boolean[] found(List<String> ids, Map<String, Boolean> got, List<String> rest,
                                  Function<List<String>, boolean[]> usual) {
        Map<String, Boolean> others = new HashMap<>();
        if (!rest.isEmpty()) {
            boolean[] f = usual.apply(rest);
            for (int i = 0; i < f.length; i++)
                others.put(rest.get(i), f[i]);
        }
        boolean[] out = new boolean[ids.size()];
        for (int i = 0; i < out.length; i++)
            out[i] = got.getOrDefault(ids.get(i), others.getOrDefault(ids.get(i), false));
        return out;
    }

    /** A node's pieces of a request, sent one after another on {@code conn}. */
    private record Request(byte op, Peer node, RequestPieces pieces, RequestWriter writer, Connection conn) {
    }

    /**
     * Writes {@code r}'s current piece: null when it went out; else what its keys get, {@link #late} when the write
     * ran past the deadline or {@link #BROKEN} when the connection broke (the connection is closed either way).
     */
    private Object sendPiece(Request r) {
        Connection c = r.conn;
        // A socket write has no timeout of its own: a PUT's payloads (or a piece of 4,096 keys) to a node that stopped
        // reading (a frozen process) would block once the buffers are full. Past the deadline the socket is closed,
        // which ends the write.
        long left = Deadlines.remainingMillis();
        try (StallGuard.Watch ignored = c.watch.begin(left < 0 ? timeoutMillis : Math.max(1, left))) {
            r.writer.write(c.out, r.pieces.current());
            c.out.flush();
            return null;
        } catch (IOException e) {
            c.close(); // closed by the server while idle, or by the watch
            connections.connectLater(r.node);
            return c.watch.fired() ? late(r) : BROKEN;
        }
    }

    /**
     * Receives the answers to {@code r}'s pieces, sending each next piece on the same connection once the one before
     * is answered. A piece that broke its connection leaves its unanswered keys and every later piece's to
     * {@code unanswered}, as does closing this client; one past its deadline fails them with TIMEOUT (misses for
     * lookups), and a piece is not sent once the deadline passed. Without a deadline each piece waits up to the
     * client's timeout. A key asked twice keeps its first answer.
     */
    private void receive(Request r, Map<String, Object> out, Collection<String> unanswered) {
        try {
            Object ended = receivePiece(r, out, unanswered);
            while (ended == null && r.pieces.next()) {
                Object failed;
                if (connections.closed() || Deadlines.remainingMillis() == 0) {
                    r.conn.close();
                    failed = connections.closed() ? BROKEN : late(r);
                } else {
                    failed = sendPiece(r);
                }
                if (failed != null) {
                    settle(r.pieces.fromCurrent(), failed, out, unanswered);
                    return;
                }
                ended = receivePiece(r, out, unanswered);
            }
            if (ended == null)
                connections.release(r.node.id(), r.conn);
            else
                settle(r.pieces.after(), ended, out, unanswered);
        } catch (RuntimeException | Error e) {
            r.conn.close(); // neither released nor left watched
            throw e;
        }
    }

    /** What the keys of {@code r} get when its deadline passed: TIMEOUT, or a miss for a lookup. */
    private static Object late(Request r) {
        return r.op == BlockChannelWire.LOOKUP ? Boolean.FALSE
            : Deadlines.timeoutNow((r.op == BlockChannelWire.PUT ? "writing to node " : "reading from node ")
            + r.node.name());
    }

    /**
     * Answers those of {@code keys} that have no answer yet with {@code late} (a timeout's TIMEOUT, or a lookup's
     * miss), or, when it is {@link #BROKEN}, leaves them to the caller's usual path.
     */
    private static void settle(List<String> keys, Object late, Map<String, Object> out,
                               Collection<String> unanswered) {
        for (String k : keys) {
            if (out.containsKey(k))
                continue;
            if (late == BROKEN)
                unanswered.add(k);
            else
                out.put(k, late);
        }
    }

    /**
     * Reads the answers to {@code r}'s current piece into {@code out}: null when all came and the connection may go
     * on; else the answer the later pieces' keys get when it ran out of time (TIMEOUT, or a miss for a lookup), or
     * {@link #BROKEN} when the connection broke (this piece's unanswered keys are then in {@code unanswered}).
     */
    private Object receivePiece(Request r, Map<String, Object> out, Collection<String> unanswered) {
        Connection c = r.conn;
        List<String> keys = r.pieces.current();
        Map<String, Object> got = new LinkedHashMap<>();
        try {
            long left = Deadlines.remainingMillis();
            c.socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left < 0 ? timeoutMillis : left)));
            if (r.op == BlockChannelWire.LOOKUP) {
                Object found = BlockChannelWire.readFound(c.in, keys.size());
                if (found instanceof boolean[] f)
                    for (int i = 0; i < f.length; i++)
                        out.merge(keys.get(i), f[i], (a, b) -> a);
                else
                    unanswered.addAll(keys); // the node's lookup failed: the usual path says how
                return null;
            }
            for (String k : keys)
                got.put(k, r.op == BlockChannelWire.PUT ? BlockChannelWire.readStored(c.in)
                    : BlockChannelWire.readAnswer(c.in, MAX_ARRAY)); // the nodes' own limit applies
            out.putAll(got);
            return null;
        } catch (SocketTimeoutException e) {
            c.close();
            Object late = late(r);
            for (String k : keys)
                out.putIfAbsent(k, got.getOrDefault(k, late));
            return late;
        } catch (IOException e) {
            // Broken or refused: keys answered before stand (a write must not be made twice), the usual path answers
            // the rest, and a fresh connection is made meanwhile.
            c.close();
            connections.connectLater(r.node);
            out.putAll(got);
            for (String k : keys)
                if (!got.containsKey(k))
                    unanswered.add(k);
            return BROKEN;
        }
    }

    /** Closes the idle connections of nodes {@code live} no longer holds (nodes that left). */
    public void retain(Predicate<UUID> live) {
        connections.retain(live);
    }

    @Override
    public void close() {
        connections.close();
        receivers.shutdown(); // answers being read end by their socket timeouts
    }
}
