package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block channel: a client node's reads and lookups are answered by the record's primary in one round trip, with
 * the stored bytes and the store's typed errors; a connection that breaks the protocol is refused and closed, and the node goes on
 * serving.
 */
@Timeout(300)
class BlockChannelTest {
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static TestCluster cluster;
    private static KvGridNode client;

    @BeforeAll
    static void start() {
        cluster = GridTests.metered(2, registry);
        client = cluster.addClient("channel-client");
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    /** Reads the servers answered over their channels so far. */
    private static long channelReads() {
        return served("channel-get");
    }

    /** Lookups the servers answered over their channels so far. */
    private static long channelLookups() {
        return served("channel-lookup");
    }

    private static long served(String method) {
        return GridTests.served(registry, method);
    }

    /**
     * That the servers counted {@code expected} channel reads since {@code before}: a server counts a read once its
     * answer is written, so the count may trail the client's last read by a moment.
     */
    private static void assertChannelReads(long before, long expected, String what) {
        await(what).atMost(Duration.ofSeconds(10)).until(() -> channelReads() - before >= expected);
        assertEquals(expected, channelReads() - before, what);
    }

    private static int port(int node) {
        return (Integer) cluster.node(node).ignite().cluster().localNode().attribute(BlockChannelServer.PORT_ATTRIBUTE);
    }

    @Test
    void aClientNodesReadsAreAnsweredByThePrimariesOverTheirChannelsWithTheStoredBytes() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String k = "chan/read-" + i;
            keys.add(k);
            client.store().put(k, Payload.of(k, i == 0 ? 0 : 1_000 * i + (i % 3) * 300_000));
        }
        // The first read of each node connects in the background (and is read through Ignite meanwhile).
        await("connections to both primaries").atMost(Duration.ofSeconds(30)).until(() -> {
            client.store().batchGet(keys);
            return client.store().batchGet(keys).size() == keys.size() && channelReads() >= 2;
        });
        awaitOneRequestToEachNode("one request to each node", () -> client.store().batchGet(keys));

        long before = channelReads();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            assertArrayEquals(Payload.of(k, i == 0 ? 0 : 1_000 * i + (i % 3) * 300_000), client.store().get(k), k);
        }
        assertChannelReads(before, keys.size(), "every get was one channel request");

        List<String> withMissing = new ArrayList<>(keys.subList(0, 5));
        withMissing.add(2, "chan/never-written");
        List<KeyResult<byte[]>> got = client.store().batchGet(withMissing);
        for (int i = 0; i < withMissing.size(); i++) {
            String k = withMissing.get(i);
            if (i == 2) {
                assertFalse(got.get(i).ok());
                assertEquals(ErrorCode.NOT_FOUND, got.get(i).error().code(), "a missing block's own error");
            } else {
                assertArrayEquals(Payload.of(k, keys.indexOf(k) == 0 ? 0 : 1_000 * keys.indexOf(k)
                    + (keys.indexOf(k) % 3) * 300_000), got.get(i).valueOrThrow(), k);
            }
        }
        KvGridException e = assertThrows(KvGridException.class, () -> client.store().get("chan/never-written"));
        assertEquals(ErrorCode.NOT_FOUND, e.code());
    }

    @Test
    void aClientNodesGetIntoIsAnsweredOverTheChannelsIntoTheCallersBuffersFromTheirPositions() {
        List<String> keys = storedOnBothNodes("chan/into-", 6, i -> 3_000 * i + 400_000 * (i % 2));
        awaitOneRequestToEachNode("getInto over both channels",
            () -> client.store().batchGetInto(keys, buffers(keys.size(), 1 << 20)));

        long before = channelReads();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            byte[] want = Payload.of(k, 3_000 * i + 400_000 * (i % 2));
            java.nio.ByteBuffer buf = i % 2 == 0 ? java.nio.ByteBuffer.allocate(want.length + 10)
                : java.nio.ByteBuffer.allocateDirect(want.length + 10);
            buf.position(7);
            assertEquals(want.length, client.store().getInto(k, buf), k);
            assertEquals(7 + want.length, buf.position(), "the position is past the block's bytes");
            byte[] got = new byte[want.length];
            buf.flip().position(7);
            buf.get(got);
            assertArrayEquals(want, got, k);
        }
        assertChannelReads(before, keys.size(), "every getInto was one channel request");

        List<String> asked = List.of(keys.get(1), "chan/into-absent", keys.get(3));
        List<java.nio.ByteBuffer> bufs = List.of(java.nio.ByteBuffer.allocate(1 << 20),
            java.nio.ByteBuffer.allocate(1 << 20), java.nio.ByteBuffer.allocate(100));
        List<KeyResult<Integer>> got = client.store().batchGetInto(asked, bufs);
        assertEquals(403_000, got.get(0).valueOrThrow());
        assertArrayEquals(Payload.of(keys.get(1), 403_000), java.util.Arrays.copyOf(bufs.get(0).array(), 403_000));
        assertEquals(ErrorCode.NOT_FOUND, got.get(1).error().code(), "a missing block's own error");
        assertEquals(ErrorCode.BUFFER_TOO_SMALL, got.get(2).error().code());
        assertEquals("buffers[2]", got.get(2).error().argument(), "the error names the buffer");
        assertEquals(0, bufs.get(2).position(), "nothing written into a buffer that is too small");
        assertEquals(0, bufs.get(1).position());
    }

    /**
     * {@code n} keys {@code prefix + j} whose metadata primaries alternate, key i's on node i % 2, block i of
     * {@code size(i)} bytes stored through its primary. Picked by affinity: the nodes' ids are new in every run, and
     * six keys taken as they come all had one primary in about one run of 32, which left the other channel idle.
     */
    private static List<String> storedOnBothNodes(String prefix, int n, java.util.function.IntUnaryOperator size) {
        org.apache.ignite.Ignite ig = cluster.node(0).ignite();
        var meta = ig.<String>affinity(KvGridRuntime.of(ig).store().metaCache().getName());
        List<String> keys = new ArrayList<>();
        for (int j = 0; keys.size() < n && j < 1_000; j++) {
            String k = prefix + j;
            int owner = keys.size() % 2;
            if (meta.isPrimary(cluster.node(owner).ignite().cluster().localNode(), k)) {
                keys.add(k);
                cluster.store(owner).put(k, Payload.of(k, size.applyAsInt(keys.size() - 1)));
            }
        }
        assertEquals(n, keys.size(), "keys " + prefix + "0..999 alternating between the two primaries");
        return keys;
    }

    /**
     * Repeats {@code read} (of keys on both nodes) until it is one channel request to each node. A server counts a
     * read once its answer is written, after the client may have returned: each try waits for its own count to land.
     */
    private static void awaitOneRequestToEachNode(String what, Runnable read) {
        List<Long> seen = new java.util.concurrent.CopyOnWriteArrayList<>(); // requests counted per try, for a failure
        try {
            await(what).atMost(Duration.ofSeconds(60)).until(() -> {
                long before = channelReads();
                read.run();
                try {
                    await().atMost(Duration.ofSeconds(2)).until(() -> channelReads() - before >= 2);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    seen.add(channelReads() - before);
                    return false; // a node read the usual way: its connection is still being made
                }
                seen.add(channelReads() - before);
                return channelReads() - before == 2;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(what + ": channel requests counted per try " + seen, e);
        }
    }

    private static List<java.nio.ByteBuffer> buffers(int n, int bytes) {
        List<java.nio.ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
            out.add(java.nio.ByteBuffer.allocate(bytes));
        return out;
    }

    @Test
    void aThinClientReadsOverThePrimariesChannelsWithTheStoredBytesAndTheStoresErrors() {
        List<String> keys = storedOnBothNodes("chan/thin-", 12, i -> 5_000 * i + 700_000 * (i % 2));
        try (io.kvgrid.client.KvGridClient thin = io.kvgrid.client.KvGridClient.connect(cluster.thinClientAddress(0))) {
            // Its first read of each node connects in the background and takes the thin-client protocol meanwhile.
            awaitOneRequestToEachNode("thin reads over both channels", () -> thin.batchGet(keys));
            long before = channelReads();
            for (int i = 0; i < keys.size(); i++) {
                String k = keys.get(i);
                assertArrayEquals(Payload.of(k, 5_000 * i + 700_000 * (i % 2)), thin.get(k), k);
            }
            assertChannelReads(before, keys.size(), "every get was one channel request");

            List<String> asked = List.of(keys.get(3), "chan/thin-absent", keys.get(4));
            List<KeyResult<byte[]>> got = thin.batchGet(asked);
            assertArrayEquals(Payload.of(keys.get(3), 15_000 + 700_000), got.get(0).valueOrThrow());
            assertEquals(ErrorCode.NOT_FOUND, got.get(1).error().code(), "a missing block's own error");
            assertArrayEquals(Payload.of(keys.get(4), 20_000), got.get(2).valueOrThrow());
            java.nio.ByteBuffer small = java.nio.ByteBuffer.allocate(100);
            KvGridException e = assertThrows(KvGridException.class, () -> thin.getInto(keys.get(3), small));
            assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
            assertEquals(0, small.position(), "nothing written into a buffer that is too small");
        }
    }

    @Test
    void lookupsOfClientNodesAndThinClientsAreAnsweredByThePrimariesOverTheirChannels() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String k = "chan/lookup-" + i;
            ids.add(k);
            if (i < 20 || i == 25)
                cluster.store(i % 2).put(k, Payload.of(k, 2_000 + i));
        }
        boolean[] expected = new boolean[ids.size()];
        for (int i = 0; i < expected.length; i++)
            expected[i] = i < 20 || i == 25;
        try (io.kvgrid.client.KvGridClient thin = io.kvgrid.client.KvGridClient.connect(cluster.thinClientAddress(0))) {
            for (io.kvgrid.BlockStore store : List.of(client.store(), thin)) {
                // The first lookup of each node connects in the background (and takes the usual path meanwhile).
                await("lookups over both channels").atMost(Duration.ofSeconds(30)).until(() -> {
                    long before = channelLookups();
                    store.lookup(ids);
                    return channelLookups() - before == 2; // one request to each primary
                });
                long before = channelLookups();
                assertArrayEquals(expected, store.lookup(ids), "found and missing ids, in their order");
                assertEquals(20, store.lookupOnPrefixLength(ids), "the prefix ends at the first missing id");
                assertArrayEquals(new boolean[] {false, true, true}, store.lookup(List.of("chan/lookup-absent",
                    ids.get(25), ids.get(25))), "an absent id and a repeated one");
                await().atMost(Duration.ofSeconds(10)).until(() -> channelLookups() - before >= 5);
                assertTrue(channelLookups() - before <= 6, "2 + 2 requests for the whole lists, 1-2 for the last");
            }
        }
        KvGridException e = assertThrows(KvGridException.class, () -> client.store().lookup(List.of("bad\u0000id")));
        assertEquals(ErrorCode.INVALID_KEY, e.code(), "checked before anything is sent");
    }

    @Test
    void aLookupOnTheWireAnswersAFlagPerKeyOrTheLookupsTypedError() throws IOException {
        String k = "chan/wire-lookup";
        cluster.store(0).put(k, Payload.of(k, 3_000));
        try (Socket s = connected(0)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            // Node 0 looks up any key, whichever node is its primary: the lookup is the store's own.
            BlockChannelWire.writeRequest(out, BlockChannelWire.LOOKUP, List.of("chan/wire-absent", k));
            out.flush();
            assertArrayEquals(new boolean[] {false, true}, (boolean[]) BlockChannelWire.readFound(in, 2));
            BlockChannelWire.writeRequest(out, BlockChannelWire.LOOKUP, List.of(k, "bad\u0000id"));
            out.flush();
            Object bad = BlockChannelWire.readFound(in, 2);
            assertEquals(ErrorCode.INVALID_KEY, ((KvGridException) bad).code(), String.valueOf(bad));
            assertEquals("ids[1]", ((KvGridException) bad).argument());
            BlockChannelWire.writeRequest(out, BlockChannelWire.LOOKUP, List.of(k));
            out.flush();
            assertArrayEquals(new boolean[] {true}, (boolean[]) BlockChannelWire.readFound(in, 1),
                "the connection serves on after an error");
        }
        assertTrue(helloThen(out -> {
            out.writeInt(BlockChannelWire.MAGIC);
            out.writeByte(BlockChannelWire.LOOKUP);
            out.writeInt(0);
        }).contains("1..4096 keys"));
    }

    @Test
    void aFrameThatBreaksTheProtocolIsRefusedAndTheNodeGoesOnServing() throws IOException {
        UUID self = cluster.node(0).ignite().cluster().localNode().id();
        assertTrue(refusal(out -> out.writeInt(0x47455420)).contains("not a kvgrid block channel frame"));
        assertTrue(refusal(out -> BlockChannelWire.writeHello(out, UUID.randomUUID())).contains("this is node " + self));
        assertTrue(refusal(out -> {
            out.writeInt(BlockChannelWire.MAGIC);
            out.writeByte(BlockChannelWire.GET);
        }).contains("starts with HELLO"));
        assertTrue(helloThen(out -> {
            out.writeInt(BlockChannelWire.MAGIC);
            out.writeByte(BlockChannelWire.GET);
            out.writeInt(BlockChannelWire.MAX_KEYS + 1);
        }).contains("1..4096 keys"));
        assertTrue(helloThen(out -> {
            out.writeInt(BlockChannelWire.MAGIC);
            out.writeByte(BlockChannelWire.GET);
            out.writeInt(1);
            out.writeShort(5_000);
        }).contains("keys are 1..1024"));
        assertTrue(helloThen(out -> {
            out.writeInt(BlockChannelWire.MAGIC);
            out.writeByte(99);
        }).contains("unknown request 99"));

        String k = "chan/after-refusals";
        client.store().put(k, Payload.of(k, 70_000));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            long before = channelReads();
            assertArrayEquals(Payload.of(k, 70_000), client.store().get(k));
            assertEquals(1, channelReads() - before, "read over the channel");
        });
    }

    @Test
    void aKeyTheStoreRejectsGetsItsTypedErrorOverTheChannel() throws IOException {
        try (Socket s = connected(0)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            BlockChannelWire.writeRequest(out, BlockChannelWire.GET, List.of("bad\u0000key", "chan/absent"));
            out.flush();
            Object bad = BlockChannelWire.readAnswer(in, 1 << 20);
            Object absent = BlockChannelWire.readAnswer(in, 1 << 20);
            assertEquals(ErrorCode.INVALID_KEY, ((KvGridException) bad).code(), String.valueOf(bad));
            assertEquals("keys[0]", ((KvGridException) bad).argument());
            assertEquals(ErrorCode.INVALID_KEY, ((KvGridException) absent).code(),
                "a batch with an invalid key is refused whole, as batchGet refuses it");
        }
    }

    @Test
    void aClientThatTricklesAPutsPayloadIsCutOffAtTheWriteDeadlineWithNothingStored() throws Exception {
        // A byte every 50 ms never trips a per-read timeout: only a deadline for the whole put ends it.
        KvGridConfiguration cfg = KvGridRuntime.of(cluster.node(0).ignite()).store().config();
        long deadline = cfg.getWriteDeadlineMillis();
        String k = "chan/trickled";
        java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
        BlockChannelWire.writePut(new DataOutputStream(frame), BlockChannelWire.PutHeader.of(
            io.kvgrid.PutOptions.defaults(), false, null), List.of(k), List.of(Payload.of(k, 1 << 20)));
        byte[] bytes = frame.toByteArray();
        cfg.setWriteDeadlineMillis(1_000);
        try (Socket s = connected(0)) {
            long t0 = System.nanoTime();
            var out = s.getOutputStream();
            out.write(bytes, 0, bytes.length - (1 << 20) + (64 << 10));
            out.flush();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 200 && !s.isClosed(); i++) {
                        out.write(bytes[bytes.length - 1]);
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    // the node closed the connection (or the test ended)
                }
            }, "trickling-client");
            trickle.start();
            int answer;
            try {
                answer = s.getInputStream().read();
            } catch (IOException e) {
                answer = -1; // reset by the node
            }
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            trickle.interrupt();
            trickle.join(5_000);
            assertEquals(-1, answer, "the node closed the connection without an answer");
            assertTrue(tookMs >= 900 && tookMs < 8_000, "cut off at the 1 s write deadline, took " + tookMs + " ms");
        } finally {
            cfg.setWriteDeadlineMillis(deadline);
        }
        assertFalse(cluster.store(0).exists(k), "nothing of the cut-off put is stored");
        // Its share of the node's byte budget is back: a whole put of the same size goes through the same node.
        try (Socket s = connected(0)) {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            Object a = BlockChannelWire.readStored(new DataInputStream(s.getInputStream()));
            assertTrue(a instanceof io.kvgrid.PutResult r && r.stored(), "answered " + a);
        }
        assertArrayEquals(Payload.of(k, 1 << 20), cluster.store(1).get(k));
    }

    @Test
    void aWriterHoldingTheWholePutBudgetKeepsNoReadWaiting() throws Exception {
        // A put takes its share of the byte budget before its payloads come, and may take them up to its write
        // deadline. This one announces blocks worth the whole put budget and sends 4 KiB of them; reads have a budget
        // of their own and are answered meanwhile (with one budget they wait out their read deadline: TIMEOUT).
        KvGridConfiguration cfg = KvGridRuntime.of(cluster.node(0).ignite()).store().config();
        String k = "chan/read-beside-a-held-put";
        cluster.store(0).put(k, Payload.of(k, 1 << 20));
        List<String> held = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        for (long left = BlockChannelServer.PUT_BUDGET; left > 0; left -= cfg.getMaxBlockBytes()) {
            held.add("chan/held-" + held.size());
            lengths.add((int) Math.min(left, cfg.getMaxBlockBytes()));
        }
        long deadline = cfg.getWriteDeadlineMillis();
        cfg.setWriteDeadlineMillis(30_000);
        try (Socket writer = connected(0); Socket reader = connected(0)) {
            DataOutputStream w = new DataOutputStream(writer.getOutputStream());
            BlockChannelWire.writePutHead(w, BlockChannelWire.PutHeader.of(io.kvgrid.PutOptions.defaults(), false,
                null), held, lengths);
            w.write(new byte[4096]);
            w.flush();
            await("the put holds the whole put budget").atMost(Duration.ofSeconds(10))
                .until(() -> heldBytes("puts") == BlockChannelServer.PUT_BUDGET);
            DataOutputStream r = new DataOutputStream(reader.getOutputStream());
            DataInputStream in = new DataInputStream(reader.getInputStream());
            for (int i = 0; i < 3; i++) {
                BlockChannelWire.writeRequest(r, BlockChannelWire.GET, List.of(k));
                r.flush();
                Object answer = BlockChannelWire.readAnswer(in, 2 << 20);
                assertTrue(answer instanceof byte[], "answered " + answer);
                assertArrayEquals(Payload.of(k, 1 << 20), (byte[]) answer);
            }
            assertEquals(BlockChannelServer.PUT_BUDGET, heldBytes("puts"), "the put still holds its share");
        } finally {
            cfg.setWriteDeadlineMillis(deadline);
        }
        await("the put's share is back once its client went away").atMost(Duration.ofSeconds(30))
            .until(() -> heldBytes("puts") == 0);
        for (String h : held)
            assertFalse(cluster.store(1).exists(h), "nothing of the abandoned put is stored: " + h);
    }

    /** The bytes the nodes' block channels hold now for {@code use} (answers, puts), from their gauges. */
    private static long heldBytes(String use) {
        long n = 0;
        for (var g : registry.find("kvgrid.channel.held.bytes").tag("use", use).gauges())
            n += (long) g.value();
        return n;
    }

    @Test
    void aClientThatStopsReadingItsAnswerIsCutOffAndTheNodeGoesOnServing() throws Exception {
        // A socket write never times out: without the stall bound the node's thread (and the group's share of its
        // byte budget) would wait on this client for as long as it stays connected.
        KvGridConfiguration cfg = KvGridRuntime.of(cluster.node(0).ignite()).store().config();
        long stall = cfg.getBlockChannelStallMillis();
        String k = "chan/unread";
        int size = 8 << 20;
        client.store().put(k, Payload.of(k, size));
        cfg.setBlockChannelStallMillis(1_000);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 << 10);
            s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port(0)));
            s.setSoTimeout(20_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            BlockChannelWire.writeHello(out, cluster.node(0).ignite().cluster().localNode().id());
            BlockChannelWire.writeRequest(out, BlockChannelWire.GET, List.of(k));
            out.flush();
            Thread.sleep(3_000); // reads nothing, well past the 1 s bound
            long t0 = System.nanoTime();
            long got = 0;
            byte[] buf = new byte[64 << 10];
            try {
                for (int n; (n = s.getInputStream().read(buf)) >= 0; )
                    got += n;
            } catch (IOException e) {
                // reset by the node
            }
            long drainMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(got < size, "the node closed the connection inside the answer: " + got + " of " + size
                + " bytes came");
            assertTrue(drainMs < 10_000, "closed, not left to the idle timeout: " + drainMs + " ms");
        } finally {
            cfg.setBlockChannelStallMillis(stall);
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            long before = channelReads();
            assertArrayEquals(Payload.of(k, size), client.store().get(k));
            assertEquals(1, channelReads() - before, "the next read is served over the channel");
        });
        client.store().remove(k, true); // leased by the reads
    }

    @Test
    void aGetLargerThanOneGroupIsAnsweredGroupByGroupWithEveryBlocksBytes() throws IOException {
        // 40 blocks of 1 MiB: groups of 2 MiB at most, each written out before the next is read. The other tests'
        // blocks go first, so these fit in the nodes' 64 MiB regions below the eviction watermark whatever ran before.
        cluster.store(0).removeByRegex("chan/.*", true);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String k = "chan/group-" + i;
            keys.add(k);
            cluster.store(0).put(k, Payload.of(k, 1 << 20), io.kvgrid.PutOptions.builder().replicas(1).build());
        }
        List<String> asked = new ArrayList<>(keys);
        asked.add(17, "chan/not-there");
        long before = channelReads();
        try (Socket s = connected(0)) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            BlockChannelWire.writeRequest(out, BlockChannelWire.GET, asked);
            out.flush();
            for (String k : asked) {
                Object a = BlockChannelWire.readAnswer(in, 2 << 20);
                if (k.equals("chan/not-there"))
                    assertEquals(ErrorCode.NOT_FOUND, ((KvGridException) a).code());
                else if (a instanceof KvGridException e)
                    throw new AssertionError(k + " came back as " + e.code() + ": " + e.getMessage(), e);
                else
                    assertArrayEquals(Payload.of(k, 1 << 20), (byte[]) a, k);
            }
        }
        assertChannelReads(before, 1, "one request");
    }

    @Test
    void aBatchPutOfMoreBytesThanOnePutCarriesGoesToItsNodeInSeveralPutsOnOneConnection() {
        BlockChannelClient.Peer node0 = BlockChannelClient.peer(cluster.node(0).ignite().cluster().localNode());
        List<String> keys = new ArrayList<>();
        java.util.Map<String, byte[]> payloads = new java.util.HashMap<>();
        for (int i = 0; i < 10; i++) {
            keys.add("chan/cut-" + i);
            payloads.put(keys.get(i), Payload.of(keys.get(i), 100_000 + i));
        }
        // PUTs of at most 256 KiB: two of these blocks each.
        try (BlockChannelClient c = new BlockChannelClient(null, 20_000, 256 << 10)) {
            await("a connection to node 0").atMost(Duration.ofSeconds(30)).until(() -> {
                List<String> unanswered = new ArrayList<>();
                c.lookup(java.util.Map.of(node0, List.of("chan/cut-none")), unanswered);
                return unanswered.isEmpty();
            });
            long before = served("channel-put");
            List<String> unanswered = new ArrayList<>();

            java.util.Map<String, Object> got = c.write(java.util.Map.of(node0, keys), payloads,
                new BlockChannelWire.PutHeader(false, 0, BlockChannelWire.PIN_NONE, 0, null, null), unanswered);

            assertTrue(unanswered.isEmpty(), "left to the usual path: " + unanswered);
            await("node 0 counts its PUTs").atMost(Duration.ofSeconds(10))
                .until(() -> served("channel-put") - before >= 5);
            assertEquals(5, served("channel-put") - before, "five PUTs of two blocks");
            for (String k : keys) {
                assertEquals(2, org.junit.jupiter.api.Assertions.assertInstanceOf(io.kvgrid.PutResult.class,
                    got.get(k), k).replicas());
                assertArrayEquals(payloads.get(k), cluster.store(1).get(k), k);
            }
        }
    }

    @Test
    void aBatchGetOfMoreKeysThanOneRequestCarriesGoesToEachPrimaryInSeveralRequests() {
        int max = BlockChannelWire.MAX_KEYS;
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2 * max + 1_000; i++)
            keys.add("chan/many-" + i);
        List<String> stored = storedOnBothNodes("chan/many-", 6, i -> 20_000 + 50_000 * i);
        org.apache.ignite.Ignite ig = cluster.node(0).ignite();
        long requests = 0;
        java.util.Map<org.apache.ignite.cluster.ClusterNode, java.util.Collection<String>> byPrimary =
            ig.<String>affinity(KvGridRuntime.of(ig).store().metaCache().getName()).mapKeysToNodes(keys);
        for (java.util.Collection<String> ks : byPrimary.values())
            requests += (ks.size() + max - 1) / max;
        assertTrue(requests > byPrimary.size(), "more keys than MAX_KEYS for a primary");
        long expected = requests;
        List<List<KeyResult<byte[]>>> got = new ArrayList<>();
        // Until both connections are open: the first read of each node connects in the background.
        await("every request over the channels").atMost(Duration.ofSeconds(60)).until(() -> {
            long before = channelReads();
            got.add(0, client.store().batchGet(keys));
            try {
                await().atMost(Duration.ofSeconds(2)).until(() -> channelReads() - before >= expected);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                return false;
            }
            return channelReads() - before == expected;
        });
        List<KeyResult<byte[]>> last = got.get(0);
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            int s = stored.indexOf(k);
            if (s >= 0)
                assertArrayEquals(Payload.of(k, 20_000 + 50_000 * s), last.get(i).valueOrThrow(), k);
            else
                assertEquals(ErrorCode.NOT_FOUND, last.get(i).error().code(), k);
        }
    }

    @Test
    void theChannelPortIsValidated() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        KvGridException e = assertThrows(KvGridException.class, () -> cfg.setBlockChannelPort(70_000));
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("blockChannelPort", e.argument());
        assertEquals(47_700, cfg.getBlockChannelPort(), "on by default");
        cfg.setBlockChannelPort(0);
        assertEquals(0, new KvGridConfiguration(cfg).getBlockChannelPort(), "0 turns it off");
    }

    interface FrameWriter {
        void write(DataOutputStream out) throws IOException;
    }

    /** A connection to node {@code i}'s channel that has said HELLO. */
    private static Socket connected(int i) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port(i));
        s.setSoTimeout(20_000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        BlockChannelWire.writeHello(out, cluster.node(i).ignite().cluster().localNode().id());
        out.flush();
        assertEquals(BlockChannelWire.OK, s.getInputStream().read());
        return s;
    }

    private static String helloThen(FrameWriter frame) throws IOException {
        try (Socket s = connected(0)) {
            return refusalOn(s, frame);
        }
    }

    private static String refusal(FrameWriter frame) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port(0))) {
            s.setSoTimeout(20_000);
            return refusalOn(s, frame);
        }
    }

    /** Sends {@code frame}; returns the server's reason and checks that it closed the connection after it. */
    private static String refusalOn(Socket s, FrameWriter frame) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        frame.write(out);
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertEquals(BlockChannelWire.REFUSED, in.readUnsignedByte());
        String why = in.readUTF();
        assertThrows(EOFException.class, in::readByte, "closed after refusing: " + why);
        return why;
    }
}
