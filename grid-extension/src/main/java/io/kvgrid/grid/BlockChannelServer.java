package io.kvgrid.grid;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.tls.CertificateMarks;
import org.apache.ignite.Ignite;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.security.cert.Certificate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Serves whole-block reads, lookups and writes on the block channel ({@link BlockChannelWire}) of a server node: each
 * GET, LOOKUP or PUT runs this node's store (records leased, payloads checked against them; writes reserve room on
 * every node taking a copy, as any write does) with the node's rights, and payloads go between the socket and the
 * store as they are. With TLS configured on the node ({@code IgniteConfiguration.sslContextFactory}) it takes TLS
 * connections only, from certificates of kvgrid nodes or of clients with a role, and a PUT needs the write role, as
 * it does on the thin-client path; without TLS every caller may write, as every thin client may there. Bound while
 * the node starts, so its port travels in the node's attributes ({@link #PORT_ATTRIBUTE}); it answers once the store
 * runs.
 *
 * <p>A client cannot hold the node: connections are bounded ({@link #MAX_CONNECTIONS}; more are closed at once),
 * the block bytes all answers hold at once are bounded ({@link #ANSWER_BUDGET}, see {@link #answer}), and apart from
 * them those all writes hold ({@link #PUT_BUDGET}, see {@link ChannelPuts}), a frame that breaks the protocol gets a
 * refusal and a closed connection, a connection silent for {@link #IDLE_MILLIS} is closed, and so is one whose
 * handshake, request or answer takes longer than {@code blockChannelStallMillis} ({@link StallGuard}).
 */
public final class BlockChannelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlockChannelServer.class);
    /** Node attribute holding the port a server node's block channel is bound to. */
    public static final String PORT_ATTRIBUTE = "kvgrid.blockChannelPort";
    static final int MAX_CONNECTIONS = 256;
    static final int IDLE_MILLIS = 60_000;
    /**
     * Payload bytes one group of a GET reads before writing them out. Small, so the node reads the next group while
     * the client takes the last one from the socket buffers: with 32 MiB groups a batch of 64 x 1 MiB waited for 32
     * blocks to be read before its first byte went out (3 JVMs, batchGet of 64 x 1 MiB: 1.84 GB/s with 32 MiB groups,
     * 2.13 with 2 MiB, in one bench pass each).
     */
    static final long GROUP_BYTES = 2L << 20;
    /**
     * Payload bytes all GETs of this server hold at once: an eighth of the heap, 64 MiB (a default-sized block) at
     * least, 2 GiB at most.
     */
    static final int ANSWER_BUDGET = eighthOfTheHeap();
    /**
     * Payload bytes all PUTs of this server hold at once, as much again, apart from the answers': a PUT takes its share
     * before its payloads arrive, and may hold it up to the write deadline (2 s by default). Shared with the answers,
     * a writer that announced the whole budget and sent its payloads slowly failed every read of the node with
     * TIMEOUT (read deadline 100 ms), for as long as it repeated its put; now it can hold up only other writes, which
     * a client then sends its usual way.
     */
    static final int PUT_BUDGET = eighthOfTheHeap();
    /**
     * The least either budget is on any node, whatever its heap: a default-sized block. Clients send a node's keys of
     * a batch put in PUTs of at most this many payload bytes, so that no node refuses one for its size.
     */
    static final int BUDGET_FLOOR = 64 << 20;

    private static int eighthOfTheHeap() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(BUDGET_FLOOR, Runtime.getRuntime().maxMemory() / 8));
    }

    private final ServerSocket socket;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final ByteBudget answering = new ByteBudget(ANSWER_BUDGET);
    /**
     * Payload buffers GETs read into and give back once written: a sixteenth of the heap, 64 MiB at most; direct on a
     * plaintext channel (its sockets write them without a copy), heap arrays under TLS (an SSLSocket takes arrays).
     */
    private final LentBuffers buffers;
    private final ByteBudget putting = new ByteBudget(PUT_BUDGET);
    /** PUTs, their payloads under a budget of their own. */
    private final ChannelPuts puts = new ChannelPuts(putting);

    private final ExecutorService handlers;
    private final StallGuard stalls;
    /** Connections being served: closed with the server. */
    private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile Ignite ignite;
    private volatile boolean closed;


    private BlockChannelServer(ServerSocket socket) {
        this.socket = socket;
        // Direct where the accepted sockets have a channel to write them to (SocketStreams.write), as plaintext's do.
        this.buffers = new LentBuffers(Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 16),
            socket.getChannel() != null);
        AtomicInteger n = new AtomicInteger();
        int port = socket.getLocalPort();
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kvgrid-block-channel-" + port + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.stalls = new StallGuard("kvgrid-block-channel-stalls-" + port);
    }

    /**
     * Binds the channel of a server node starting with {@code igniteCfg}: the first free port of
     * {@code blockChannelPort .. +blockChannelPortRange} on the node's local host (every interface when it names
     * none). Null on client nodes and when the channel is off (port 0). INVALID_CONFIG when no port of the range is
     * free, naming the setting.
     */
    public static BlockChannelServer bind(IgniteConfiguration igniteCfg, KvGridConfiguration cfg) {
        if (cfg.getBlockChannelPort() == 0 || Boolean.TRUE.equals(igniteCfg.isClientMode()))
            return null;
        InetAddress host;
        try {
            String h = igniteCfg.getLocalHost();
            host = h == null || h.isEmpty() ? null : InetAddress.getByName(h);
        } catch (IOException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "localHost", "cannot resolve " + igniteCfg.getLocalHost());
        }
        SSLContext tls = tlsContext(igniteCfg);
        int first = cfg.getBlockChannelPort();
        int last = Math.min(65535, first + cfg.getBlockChannelPortRange());
        for (int port = first; port <= last; port++) {
            ServerSocket s = null;
            try {
                // Plain TCP through a channel: its sockets write a payload in pieces of our size (SocketStreams).
                s = tls == null ? ServerSocketChannel.open().socket() : tls.getServerSocketFactory().createServerSocket();
                if (s instanceof SSLServerSocket ssl)
                    ssl.setNeedClientAuth(true);
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(host, port), 64);
                return new BlockChannelServer(s);
            } catch (IOException e) {
                closeQuietly(s);
            }
        }
        throw new KvGridException(ErrorCode.INVALID_CONFIG, "blockChannelPort", "no free port in " + first + ".." + last
            + " on " + (host == null ? "any interface" : host.getHostAddress()));
    }

    /**
     * The node's TLS context (null without TLS), opened to thin clients' certificates too when it is kvgrid's own
     * (its node context accepts node certificates only); any other factory is used as configured, the peer's
     * certificate checked after the handshake either way ({@link #trusted}).
     */
    private static SSLContext tlsContext(IgniteConfiguration igniteCfg) {
        javax.cache.configuration.Factory<SSLContext> f = igniteCfg.getSslContextFactory();
        if (f instanceof io.kvgrid.tls.KvGridSslContextFactory k)
            return k.forBlockChannel().create();
        return f == null ? null : f.create();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Starts answering with {@code ignite}'s store (call once the store runs). */
    public void start(Ignite ignite) {
        this.ignite = ignite;
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt != null) {
            NodeGauges.bindChannel(rt.store().meters(), "answers", answering);
            NodeGauges.bindChannel(rt.store().meters(), "puts", putting);
        }
        Thread t = new Thread(this::acceptLoop, "kvgrid-block-channel-accept-" + port());
        t.setDaemon(true);
        t.start();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = socket.accept();
            } catch (IOException e) {
                if (closed || socket.isClosed())
                    return;
                // Out of file descriptors, say: the channel accepts again once the node has some back.
                LOG.warn("kvgrid: block channel on port {} could not accept a connection: {}", port(), e.toString());
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (!slots.tryAcquire()) {
                closeQuietly(s); // at the bound: the client falls back to Ignite's own path
                continue;
            }
            try {
                handlers.execute(() -> {
                    try {
                        serve(s);
                    } finally {
                        slots.release();
                    }
                });
            } catch (RuntimeException e) {
                slots.release();
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        DataOutputStream out = null;
        SocketStreams.Answers answers;
        open.add(s);
        StallGuard.Watch watch = stalls.watch(s);
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(IDLE_MILLIS);
            s.setSendBufferSize(1 << 20);
            answers = SocketStreams.answers(s, 64 << 10);
            out = new DataOutputStream(answers);
            DataInputStream in = new DataInputStream(new BufferedInputStream(SocketStreams.input(s), 16 << 10));
            ClientRole role;
            try (StallGuard.Watch ignored = step(watch)) {
                role = s instanceof SSLSocket ssl ? role(ssl) : ClientRole.ADMIN;
                if (role == null) {
                    BlockChannelWire.writeRefusal(out, "the block channel takes kvgrid node certificates and client "
                        + "certificates with a role");
                    out.flush();
                    return;
                }
                if (!hello(in, out))
                    return;
            }
            for (int op; (op = BlockChannelWire.readOp(in)) >= 0; ) {
                if (op == BlockChannelWire.GET) {
                    List<String> keys;
                    try (StallGuard.Watch ignored = step(watch)) {
                        keys = BlockChannelWire.readKeys(in);
                    }
                    answer(watch, keys, answers, out);
                } else if (op == BlockChannelWire.LOOKUP) {
                    try (StallGuard.Watch ignored = step(watch)) {
                        answerLookup(BlockChannelWire.readKeys(in), out);
                        out.flush();
                    }
                } else if (op == BlockChannelWire.PUT) {
                    puts.store(ignite, s, in, role, out, () -> step(watch));
                } else {
                    throw new BlockChannelWire.BadFrame("unknown request " + op);
                }
                try (StallGuard.Watch ignored = step(watch)) {
                    out.flush();
                }
            }
        } catch (BlockChannelWire.BadFrame e) {
            try (StallGuard.Watch ignored = step(watch)) {
                BlockChannelWire.writeRefusal(out, e.getMessage());
                out.flush();
            } catch (IOException | RuntimeException ignored) {
                // the connection is closing anyway
            }
        } catch (IOException e) {
            // the client went away, or stayed silent past the idle limit
        } catch (RuntimeException e) {
            LOG.warn("kvgrid: block channel connection from {} failed", s.getRemoteSocketAddress(), e);
        } finally {
            watch.forget();
            open.remove(s);
            closeQuietly(s); // after the refusal above (a try-with-resources would close it before)
        }
    }

    /** Begins a step of the connection {@code w} watches ({@link StallGuard}). */
    private StallGuard.Watch step(StallGuard.Watch w) {
        KvGridRuntime rt = ignite == null ? null : KvGridRuntime.of(ignite);
        return w.begin(rt == null ? KvGridConfiguration.DEFAULT_BLOCK_CHANNEL_STALL_MILLIS
            : rt.store().config().getBlockChannelStallMillis());
    }

    private boolean hello(DataInputStream in, DataOutputStream out) throws IOException {
        int op = BlockChannelWire.readOp(in);
        if (op < 0)
            return false;
        if (op != BlockChannelWire.HELLO)
            throw new BlockChannelWire.BadFrame("a connection starts with HELLO");
        UUID wanted = BlockChannelWire.readHelloNode(in);
        UUID self = ignite == null ? null : ignite.cluster().localNode().id();
        if (!wanted.equals(self))
            throw new BlockChannelWire.BadFrame("this is node " + self + ", not " + wanted);
        out.writeByte(BlockChannelWire.OK);
        out.flush();
        return true;
    }

    /**
     * What a TLS peer may do: ADMIN with a kvgrid node certificate, its role with a client certificate carrying one
     * (every role may read); null (refused) otherwise.
     */
    private static ClientRole role(SSLSocket s) throws IOException {
        try {
            s.startHandshake();
            Certificate[] chain = s.getSession().getPeerCertificates();
            if (chain.length == 0)
                return null;
            return CertificateMarks.isNode(chain[0]) ? ClientRole.ADMIN : CertificateMarks.role(chain[0]);
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /**
     * Answers a GET in groups of at most {@link #GROUP_BYTES} of payload (by the records' sizes; a larger block is a
     * group of its own), each read under the node's {@link #ANSWER_BUDGET} and written out before the next is read, so
     * no request, and no number of clients together, holds more block bytes in the heap than the budget. A group that
     * cannot get its share within the read deadline fails with TIMEOUT.
     */
    private void answer(StallGuard.Watch watch, List<String> keys, SocketStreams.Answers answers, DataOutputStream out)
        throws IOException {
        long t0 = System.nanoTime();
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt == null) {
            failAll(keys.size(), new KvGridException(ErrorCode.NODE_UNAVAILABLE, null,
                "kvgrid is not running on this node"), out);
            return;
        }
        GridBlockStore store = rt.store();
        int[] answered = new int[1];
        try (AutoCloseable ignored = KvGridSecurityProcessor.asNode(ignite)) {
            store.batchGetGrouped(keys, GROUP_BYTES, (group, bytes, fetch) -> {
                answerGroup(watch, store, group, (int) Math.min(bytes, answering.total()), fetch, answers, out);
                answered[0] += group.size();
            });
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            // Before any group (a bad key, the records unreadable): every key gets the error. A group's own failures
            // are in its answers.
            failAll(keys.size() - answered[0], Failures.wrap(e, "kvgrid block channel"), out);
        }
        store.meters().serviceCall("channel-get", System.nanoTime() - t0);
    }

    /**
     * Answers a LOOKUP with this node's {@code lookup} (records read, found ones leased, as for any caller): one flag
     * per key, or the error of the whole lookup.
     */
    private void answerLookup(List<String> keys, DataOutputStream out) throws IOException {
        long t0 = System.nanoTime();
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt == null) {
            BlockChannelWire.writeFailure(out, new KvGridException(ErrorCode.NODE_UNAVAILABLE, null,
                "kvgrid is not running on this node"));
            return;
        }
        boolean[] found = null;
        try (AutoCloseable ignored = KvGridSecurityProcessor.asNode(ignite)) {
            found = rt.store().lookup(keys);
        } catch (Exception e) {
            BlockChannelWire.writeFailure(out, Failures.wrap(e, "kvgrid block channel lookup"));
        }
        if (found != null)
            BlockChannelWire.writeFound(out, found);
        rt.store().meters().serviceCall("channel-lookup", System.nanoTime() - t0); // answered either way, as GETs are
    }

    private void answerGroup(StallGuard.Watch watch, GridBlockStore store, List<String> keys, int bytes,
                             Function<IntFunction<ByteBuffer>, List<KeyResult<ByteBuffer>>> fetch,
                             SocketStreams.Answers answers, DataOutputStream out)
        throws IOException {
        long wait = store.config().getReadDeadlineMillis();
        try {
            if (!answering.take(bytes, wait)) {
                failAll(keys.size(), new KvGridException(ErrorCode.TIMEOUT, "readDeadlineMillis", "node "
                    + ignite.cluster().localNode().consistentId() + " is answering " + (answering.total() >> 20)
                    + " MiB of reads already and had no room for these within " + wait + " ms"), out);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("closing");
        }
        // A client that stops reading is cut off, so its group does not hold the budget for good.
        // The payloads go into buffers lent for the group, back once they are written out (or the write failed).
        try (StallGuard.Watch ignored = step(watch); LentBuffers.Loan loan = buffers.lend()) {
            for (KeyResult<ByteBuffer> k : fetch.apply(loan)) {
                if (k.ok()) {
                    BlockChannelWire.writeBlockHead(out, k.value().remaining());
                    answers.writePayload(k.value()); // the head goes out with the payload's first piece
                } else {
                    BlockChannelWire.writeFailure(out, k.error());
                }
            }
            out.flush(); // the group leaves the heap before the next is read
        } finally {
            answering.give(bytes);
        }
    }

    /** {@code e} as the answer of each of {@code n} keys. */
    static void failAll(int n, KvGridException e, DataOutputStream out) throws IOException {
        for (int i = 0; i < n; i++)
            BlockChannelWire.writeFailure(out, e);
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(socket);
        for (Socket s : open)
            closeQuietly(s); // a connection blocked in a read or write ends now, not at its timeout
        stalls.close();
        handlers.shutdownNow();
        buffers.close();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null)
            return;
        try {
            c.close();
        } catch (Exception ignored) {
            // closing
        }
    }
}
