package io.kvgrid.grid;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import io.kvgrid.tls.KvGridTls;
import io.kvgrid.tls.TlsDirectory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes over the block channel, on nodes with mutual TLS: a client node's puts are written by the records' primaries
 * with every copy holding the bytes; the node reserves room for them as for any write; a client certificate without
 * the write role writes nothing; frames out of bounds are refused.
 */
@Timeout(300)
class BlockChannelWriteTest {
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final BlockChannelWire.PutHeader NO_OPTIONS =
        new BlockChannelWire.PutHeader(false, 0, BlockChannelWire.PIN_NONE, 0, null, null);
    @TempDir
    static Path tmp;
    private static Path tls;
    private static TestCluster cluster;
    private static KvGridNode client;

    @BeforeAll
    static void start() {
        tls = tmp.resolve("tls");
        Map<String, ClientRole> clients = new LinkedHashMap<>();
        clients.put("writer", ClientRole.WRITE);
        clients.put("reader", ClientRole.READ);
        TlsDirectory.create(tls, 2, clients, 2);
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setMeterRegistry(registry);
        AtomicInteger next = new AtomicInteger();
        cluster = TestCluster.start(2, cfg, c -> KvGridTls.applyToNode(c, tls, "node-" + next.getAndIncrement() % 2));
        client = cluster.addClient("channel-writer");
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    private static long channelPuts() {
        return GridTests.served(registry, "channel-put");
    }

    /** The copies of {@code key}'s payload held by the servers, read from their own partitions. */
    private static List<byte[]> copies(String key) {
        BlockRecord r = KvGridRuntime.of(cluster.node(0).ignite()).store().metaCache().get(key);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < cluster.size(); i++) {
            byte[] b = cluster.node(i).ignite().<String, byte[]>cache(r.dataCache)
                .localPeek(r.dataKey, CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
            if (b != null)
                out.add(b);
        }
        return out;
    }

    @Test
    void aClientNodesPutsAreWrittenByTheRecordsPrimariesWithEveryCopyHoldingTheBytes() {
        // The first put to each node connects in the background (and is written through Ignite meanwhile).
        await("connections to both primaries").atMost(Duration.ofSeconds(30)).until(() -> {
            long before = channelPuts();
            client.store().upsert("write/warm-" + System.nanoTime(), new byte[10]);
            return channelPuts() > before;
        });
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 12; i++)
            keys.add("write/block-" + i);
        await("every put over a channel").atMost(Duration.ofSeconds(30)).until(() -> {
            client.store().removeByRegex("write/block-.*", true);
            long before = channelPuts();
            for (int i = 0; i < keys.size(); i++)
                assertTrue(client.store().put(keys.get(i), Payload.of(keys.get(i), 1_000 + 90_000 * i)).stored());
            return channelPuts() - before == keys.size();
        });
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            List<byte[]> held = copies(k);
            assertEquals(2, held.size(), k + ": primary and backup each hold a copy");
            for (byte[] b : held)
                assertArrayEquals(Payload.of(k, 1_000 + 90_000 * i), b, k);
            assertArrayEquals(Payload.of(k, 1_000 + 90_000 * i), cluster.store(i % 2).get(k));
        }

        String k = keys.get(3);
        PutResult again = client.store().put(k, Payload.of("other bytes", 5_000));
        assertTrue(again.existed(), "a write-once put of a stored key");
        assertEquals(2, again.replicas());
        assertArrayEquals(Payload.of(k, 1_000 + 90_000 * 3), cluster.store(1).get(k), "the stored block stands");
        assertFalse(client.store().upsert(k, Payload.of("new bytes", 7_000)).existed());
        for (byte[] b : copies(k))
            assertArrayEquals(Payload.of("new bytes", 7_000), b, "an upsert replaces every copy");
    }

    @Test
    void aThinClientsPutsAreWrittenByTheRecordsPrimariesOverTheirChannels() {
        String hosts = cluster.thinClientAddress(0) + "," + cluster.thinClientAddress(1);
        try (io.kvgrid.client.KvGridClient thin = io.kvgrid.client.KvGridClient.connect(hosts, tls, "writer")) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 10; i++)
                keys.add("write/thin-" + i);
            await("every thin put over a channel").atMost(Duration.ofSeconds(30)).until(() -> {
                cluster.store(0).removeByRegex("write/thin-.*", true);
                long before = channelPuts();
                for (int i = 0; i < keys.size(); i++)
                    assertTrue(thin.put(keys.get(i), Payload.of(keys.get(i), 5_000 + 70_000 * i)).stored());
                return channelPuts() - before == keys.size();
            });
            for (int i = 0; i < keys.size(); i++) {
                String k = keys.get(i);
                List<byte[]> held = copies(k);
                assertEquals(2, held.size(), k);
                for (byte[] b : held)
                    assertArrayEquals(Payload.of(k, 5_000 + 70_000 * i), b, k);
            }
            assertTrue(thin.put(keys.get(0), new byte[3]).existed(), "a write-once put of a stored key");
            assertArrayEquals(Payload.of(keys.get(0), 5_000), thin.get(keys.get(0)));
        }
        try (io.kvgrid.client.KvGridClient reader = io.kvgrid.client.KvGridClient.connect(hosts, tls, "reader")) {
            for (int i = 0; i < 20; i++) { // over the channel once it is open, over the thin protocol before
                KvGridException e = assertThrows(KvGridException.class,
                    () -> reader.put("write/thin-by-reader", new byte[10]));
                assertEquals(ErrorCode.FORBIDDEN, e.code());
                assertEquals("put", e.argument());
            }
        }
        assertFalse(cluster.store(1).exists("write/thin-by-reader"));
    }

    @Test
    void aBatchPutIsOneRequestToEachPrimary() {
        List<String> keys = new ArrayList<>();
        List<java.nio.ByteBuffer> values = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add("write/batch-" + i);
            values.add(java.nio.ByteBuffer.wrap(Payload.of("write/batch-" + i, 30_000 + i)));
        }
        Ignite ig = cluster.node(0).ignite();
        int primaries = ig.affinity(KvGridRuntime.of(ig).store().metaCache().getName()).mapKeysToNodes(keys).size();
        await("the batch over the channels").atMost(Duration.ofSeconds(30)).until(() -> {
            client.store().removeByRegex("write/batch-.*", true);
            long before = channelPuts();
            for (KeyResult<PutResult> r : client.store().batchPutFrom(keys, values, PutOptions.defaults()))
                assertTrue(r.valueOrThrow().stored(), r.key());
            return channelPuts() - before == primaries;
        });
        for (int i = 0; i < keys.size(); i++)
            assertArrayEquals(Payload.of(keys.get(i), 30_000 + i), cluster.store(0).get(keys.get(i)));
    }

    @Test
    void aPutOverTheChannelReservesRoomAndWhatDoesNotFitIsRefusedWithNothingStored() throws IOException {
        // Hard-pinned single copies on node 0 until its region refuses: each answered NO_SPACE, never past the region.
        SpaceGovernor gov = KvGridRuntime.governor(cluster.node(0).ignite());
        List<String> stored = new ArrayList<>();
        KvGridException refused = null;
        try (Socket s = connect(0, null)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            BlockChannelWire.PutHeader pinned = new BlockChannelWire.PutHeader(false, 1, BlockChannelWire.PIN_HARD, 0, null, null);
            for (int i = 0; i < 200 && refused == null; i++) {
                String k = "write/full-" + i;
                BlockChannelWire.writePut(out, pinned, List.of(k), List.of(Payload.of(k, 1 << 20)));
                out.flush();
                Object a = BlockChannelWire.readStored(in);
                if (a instanceof KvGridException e)
                    refused = e;
                else
                    stored.add(k);
                assertTrue(gov.used() <= gov.capacity(), "the region never runs past what blocks may use");
            }
        }
        try {
            assertTrue(refused != null, "the region filled up");
            assertEquals(ErrorCode.NO_SPACE, refused.code(), refused.getMessage());
            assertFalse(stored.isEmpty());
            String last = "write/full-" + stored.size();
            assertFalse(cluster.store(1).exists(last), "the refused block is not stored");
            for (String k : stored)
                assertArrayEquals(Payload.of(k, 1 << 20), cluster.store(1).get(k), k);
        } finally {
            cluster.store(0).removeByRegex("write/full-.*", true);
        }
    }

    @Test
    void aClientCertificateWithoutTheWriteRoleWritesNothing() throws IOException {
        String k = "write/by-reader";
        Object a = putOne("reader", k, Payload.of(k, 4_000), NO_OPTIONS);
        KvGridException e = (KvGridException) a;
        assertEquals(ErrorCode.FORBIDDEN, e.code(), e.getMessage());
        assertEquals("put", e.argument());
        assertFalse(cluster.store(0).exists(k));

        String w = "write/by-writer";
        assertTrue(((PutResult) putOne("writer", w, Payload.of(w, 4_000), NO_OPTIONS)).stored());
        assertArrayEquals(Payload.of(w, 4_000), cluster.store(1).get(w));
    }

    @Test
    void aPutTheStoreRejectsGetsItsTypedErrorAndAFrameOutOfBoundsIsRefused() throws IOException {
        KvGridException badKey = (KvGridException) putOne(null, "bad\u0000key", new byte[10], NO_OPTIONS);
        assertEquals(ErrorCode.INVALID_KEY, badKey.code(), badKey.getMessage());
        KvGridException replicas = (KvGridException) putOne(null, "write/replicas", new byte[10],
            new BlockChannelWire.PutHeader(false, 99, BlockChannelWire.PIN_NONE, 0, null, null));
        assertEquals(ErrorCode.INVALID_ARGUMENT, replicas.code(), replicas.getMessage());
        assertEquals("replicas", replicas.argument());
        assertFalse(cluster.store(0).exists("write/replicas"));

        int max = KvGridRuntime.of(cluster.node(0).ignite()).store().config().getMaxBlockBytes();
        assertTrue(refusal(out -> {
            putFrameStart(out);
            out.writeShort(0); // no write id
            out.writeInt(1);
            out.writeShort(10);
            out.write("write/huge".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.writeInt(max + 1); // announced, never sent: the node refuses before reading a payload
        }).contains("maxBlockBytes"));
        assertTrue(refusal(out -> {
            out.writeInt(BlockChannelWire.MAGIC);
            out.writeByte(BlockChannelWire.PUT);
            out.writeBoolean(false);
            out.writeInt(0);
            out.writeByte(7); // no such pin
            out.writeLong(0);
            out.writeShort(0);
        }).contains("options are out of bounds"));
        assertFalse(cluster.store(0).exists("write/huge"));
    }

    @Test
    void aPutSentAgainAfterItsConnectionBrokeKnowsTheBlockAsItsOwnWrite() throws IOException {
        String k = "write/resent";
        byte[] ours = Payload.of(k, 50_000);
        BlockChannelWire.PutHeader named = new BlockChannelWire.PutHeader(false, 0, BlockChannelWire.PIN_NONE, 0, null,
            "client-a/1");
        // The first send lands; its answer is lost with the connection, which the client closes without reading it.
        try (Socket s = connect(primaryOf(k), "writer")) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            BlockChannelWire.writePut(out, named, List.of(k), List.of(ours));
            out.flush();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.store(0).exists(k));
        // Sent again the usual way under the same name (as clients do with keys left unanswered): its own write.
        GridBlockStore store = KvGridRuntime.of(cluster.node(1).ignite()).store();
        PutResult again = store.write(List.of(k), List.of(ours), PutOptions.defaults(), false, "client-a/1").get(0)
            .value();
        assertFalse(again.existed(), "the block this same put call stored");
        PutResult otherBytes = store.write(List.of(k), List.of(Payload.of(k, 50_001)), PutOptions.defaults(), false,
            "client-a/1").get(0).value();
        assertTrue(otherBytes.existed(), "a name alone does not make another block this call's own");
        // Any other put finds a block stored before it, and leaves it as it is.
        PutResult other = store.write(List.of(k), List.of(Payload.of(k, 60_000)), PutOptions.defaults(), false,
            "client-b/1").get(0).value();
        assertTrue(other.existed(), "stored by another put call");
        assertTrue(store.write(List.of(k), List.of(ours), PutOptions.defaults(), false).get(0).value().existed(),
            "stored before a put without a name");
        assertArrayEquals(ours, cluster.store(1).get(k));
        assertArrayEquals(ours, client.store().get(k));

        KvGridException tooLong = assertThrows(KvGridException.class, () -> store.write(List.of("write/long-id"),
            List.of(new byte[10]), PutOptions.defaults(), false, "x".repeat(200)));
        assertEquals(ErrorCode.INVALID_ARGUMENT, tooLong.code(), tooLong.getMessage());
        assertEquals("writeId", tooLong.argument());
        KvGridException empty = assertThrows(KvGridException.class, () -> store.write(List.of("write/empty-id"),
            List.of(new byte[10]), PutOptions.defaults(), false, ""));
        assertEquals("writeId", empty.argument(), empty.getMessage());
        assertTrue(refusal(out -> {
            putFrameStart(out);
            out.writeShort(200); // a write id longer than a node takes, never sent
        }).contains("write id"));
        assertFalse(cluster.store(0).exists("write/long-id"));
    }

    /** The index in the cluster of {@code key}'s primary. */
    private static int primaryOf(String key) {
        Ignite ig = cluster.node(0).ignite();
        ClusterNode p = ig.affinity(KvGridRuntime.of(ig).store().metaCache().getName()).mapKeyToNode(key);
        return p.id().equals(cluster.node(1).ignite().cluster().localNode().id()) ? 1 : 0;
    }

    /** The start of a PUT frame: default options, no preferred node; its write id comes next. */
    private static void putFrameStart(DataOutputStream out) throws IOException {
        out.writeInt(BlockChannelWire.MAGIC);
        out.writeByte(BlockChannelWire.PUT);
        out.writeBoolean(false);
        out.writeInt(0);
        out.writeByte(BlockChannelWire.PIN_NONE);
        out.writeLong(0);
        out.writeShort(0); // no preferred node
    }

    interface FrameWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** What node 0 refuses {@code frame} with (its reason), after which it closes the connection. */
    private static String refusal(FrameWriter frame) throws IOException {
        try (Socket s = connect(0, null)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            frame.write(out);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertEquals(BlockChannelWire.REFUSED, in.readUnsignedByte());
            String why = in.readUTF();
            assertEquals(-1, in.read(), "closed after the refusal");
            return why;
        }
    }

    /** One key's PUT to its record's primary as {@code certificate} (a node's when null): the answer. */
    private static Object putOne(String certificate, String key, byte[] payload, BlockChannelWire.PutHeader h)
        throws IOException {
        int node = 0;
        try {
            node = primaryOf(key);
        } catch (RuntimeException e) {
            // a key Ignite cannot map (an invalid one): any node answers it
        }
        try (Socket s = connect(node, certificate)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            BlockChannelWire.writePut(out, h, List.of(key), List.of(payload));
            out.flush();
            return BlockChannelWire.readStored(new DataInputStream(s.getInputStream()));
        }
    }

    /** A TLS context presenting client {@code name}'s certificate and trusting the cluster's CA. */
    private static javax.net.ssl.SSLContext clientTls(String name) {
        org.apache.ignite.ssl.SslContextFactory f = new org.apache.ignite.ssl.SslContextFactory();
        Path keys = TlsDirectory.keyStore(tls, name);
        f.setKeyStoreFilePath(keys.toString());
        f.setKeyStoreType("PKCS12");
        f.setKeyStorePassword(TlsDirectory.password(tls, keys.getFileName().toString()));
        f.setTrustStoreFilePath(tls.resolve(TlsDirectory.TRUST_STORE).toString());
        f.setTrustStoreType("PKCS12");
        f.setTrustStorePassword(TlsDirectory.password(tls, TlsDirectory.TRUST_STORE));
        return f.create();
    }

    /** A TLS connection to node {@code i}'s channel with a client's certificate (a node's when null), after HELLO. */
    private static Socket connect(int i, String certificate) throws IOException {
        javax.net.ssl.SSLContext ctx = certificate == null
            ? KvGridTls.applyToNode(new org.apache.ignite.configuration.IgniteConfiguration(), tls, "node-0")
                .getSslContextFactory().create()
            : clientTls(certificate);
        int port = (Integer) cluster.node(i).ignite().cluster().localNode().attribute(BlockChannelServer.PORT_ATTRIBUTE);
        Socket s = ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        BlockChannelWire.writeHello(out, cluster.node(i).ignite().cluster().localNode().id());
        out.flush();
        assertEquals(BlockChannelWire.OK, s.getInputStream().read());
        return s;
    }
}
