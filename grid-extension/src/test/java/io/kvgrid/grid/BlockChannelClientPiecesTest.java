package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.PutResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The block channel client cutting a node's keys into the requests a node takes: at most MAX_KEYS keys, and for a PUT
 * at most its byte bound of payloads; each next request on the same connection once the one before is answered.
 */
@Timeout(60)
class BlockChannelClientPiecesTest {
    private static final int MAX = BlockChannelWire.MAX_KEYS;

    @Test
    void aReadOfMoreKeysThanOneRequestCarriesIsSentAsSeveralRequestsOnOneConnection() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>(); // "connection:keys" in the order the node read them
        AtomicInteger connections = new AtomicInteger();
        try (FakeChannelNode node = new FakeChannelNode((in, out) -> {
            int conn = connections.incrementAndGet();
            for (int op; (op = BlockChannelWire.readOp(in)) >= 0; ) {
                List<String> keys = BlockChannelWire.readKeys(in);
                if (op == BlockChannelWire.LOOKUP) {
                    BlockChannelWire.writeFound(out, new boolean[keys.size()]);
                } else {
                    requests.add(conn + ":" + keys.size());
                    for (String k : keys)
                        answer(out, k.getBytes());
                }
                out.flush();
            }
        });
             BlockChannelClient c = new BlockChannelClient(null, 10_000)) {
            BlockChannelClient.Peer peer = node.peer("node");
            FakeChannelNode.awaitConnections(c, List.of(peer));
            int conn = connections.get();
            List<String> keys = keys("k", 2 * MAX + 10);
            List<String> unanswered = new ArrayList<>();

            Map<String, Object> got = c.read(Map.of(peer, keys), unanswered);

            assertTrue(unanswered.isEmpty(), unanswered.size() + " keys left to the usual path");
            assertEquals(List.of(conn + ":" + MAX, conn + ":" + MAX, conn + ":10"), requests);
            for (String k : keys)
                assertArrayEquals(k.getBytes(), assertInstanceOf(byte[].class, got.get(k)), k);
        }
    }

    @Test
    void aBatchPutIsCutAtItsByteBoundAndABlockLargerThanTheBoundGoesAlone() throws Exception {
        List<List<Integer>> puts = new CopyOnWriteArrayList<>(); // the payload lengths of each PUT the node read
        List<Integer> putConnections = new CopyOnWriteArrayList<>();
        Map<String, byte[]> stored = new java.util.concurrent.ConcurrentHashMap<>();
        try (FakeChannelNode node = storing((conn, keys, payloads) -> {
            List<Integer> lengths = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                stored.put(keys.get(i), payloads.get(i));
                lengths.add(payloads.get(i).length);
            }
            puts.add(lengths);
            putConnections.add(conn);
        }, out -> { });
             BlockChannelClient c = new BlockChannelClient(null, 10_000, 1 << 20)) {
            BlockChannelClient.Peer peer = node.peer("node");
            FakeChannelNode.awaitConnections(c, List.of(peer));
            int[] sizes = {300_000, 300_000, 300_000, 1_500_000, 300_000, 300_000, 100_000};
            List<String> keys = keys("put", sizes.length);
            Map<String, byte[]> payloads = new HashMap<>();
            for (int i = 0; i < sizes.length; i++)
                payloads.put(keys.get(i), io.kvgrid.testing.Payload.of(keys.get(i), sizes[i]));
            List<String> unanswered = new ArrayList<>();

            Map<String, Object> got = c.write(Map.of(peer, keys), payloads, NO_OPTIONS, unanswered);

            assertTrue(unanswered.isEmpty(), "left to the usual path: " + unanswered);
            assertEquals(List.of(List.of(300_000, 300_000, 300_000), List.of(1_500_000),
                List.of(300_000, 300_000, 100_000)), puts, "each PUT at most 1 MiB, the 1.5 MB block alone");
            assertEquals(1, new java.util.HashSet<>(putConnections).size(), "one connection: " + putConnections);
            for (String k : keys) {
                assertEquals(2, assertInstanceOf(PutResult.class, got.get(k), k).replicas());
                assertArrayEquals(payloads.get(k), stored.get(k), k);
            }
        }
    }

    @Test
    void aConnectionThatBreaksAfterTheFirstRequestLeavesTheLaterKeysToTheUsualPath() throws Exception {
        try (FakeChannelNode node = namingKeys(out -> out.close()); // and the connection with it
             BlockChannelClient c = new BlockChannelClient(null, 10_000)) {
            BlockChannelClient.Peer peer = node.peer("node");
            FakeChannelNode.awaitConnections(c, List.of(peer));
            List<String> keys = keys("k", 2 * MAX + 10);
            List<String> unanswered = new ArrayList<>();

            Map<String, Object> got = c.read(Map.of(peer, keys), unanswered);

            for (String k : keys.subList(0, MAX))
                assertArrayEquals(k.getBytes(), assertInstanceOf(byte[].class, got.get(k)), k);
            assertTrue(keys.subList(MAX, keys.size()).equals(unanswered),
                "the second and third requests' keys, in order; left: " + unanswered.size() + " keys");
        }
    }

    @Test
    void aNodeThatStopsAnsweringAfterTheFirstRequestFailsTheLaterKeysAtTheDeadline() throws Exception {
        CountDownLatch testEnded = new CountDownLatch(1);
        try (FakeChannelNode node = namingKeys(out -> {
            out.flush();
            testEnded.await(30, TimeUnit.SECONDS); // frozen, the connection open
        });
             BlockChannelClient c = new BlockChannelClient(null, 60_000)) {
            BlockChannelClient.Peer peer = node.peer("node");
            FakeChannelNode.awaitConnections(c, List.of(peer));
            List<String> keys = keys("k", 2 * MAX + 10);
            List<String> unanswered = new ArrayList<>();

            long t0 = System.nanoTime();
            Map<String, Object> got;
            try {
                got = Deadlines.within(5_000, "readDeadlineMillis", () -> c.read(Map.of(peer, keys), unanswered));
            } finally {
                testEnded.countDown();
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertTrue(unanswered.isEmpty(), unanswered.size() + " keys left to the usual path");
            for (String k : keys.subList(0, MAX))
                assertArrayEquals(k.getBytes(), assertInstanceOf(byte[].class, got.get(k)), k);
            for (String k : keys.subList(MAX, keys.size()))
                assertEquals(ErrorCode.TIMEOUT, assertInstanceOf(KvGridException.class, got.get(k), k).code(), k);
            assertTrue(tookMs < 30_000, "ended by the 5 s deadline, not the client's 60 s: " + tookMs + " ms");
        }
    }

    @Test
    void aLaterPutPieceToANodeThatStoppedReadingIsCutOffAtTheDeadline() throws Exception {
        CountDownLatch testEnded = new CountDownLatch(1);
        // Frozen after its first PUT: reads nothing more.
        try (FakeChannelNode node = storing((conn, keys, payloads) -> { }, out -> testEnded.await(60, TimeUnit.SECONDS));
             BlockChannelClient c = new BlockChannelClient(null, 60_000, 1 << 20)) {
            BlockChannelClient.Peer peer = node.peer("node");
            FakeChannelNode.awaitConnections(c, List.of(peer));
            // Pieces: the first block; the 32 MiB block, more than the socket buffers hold; the last block.
            int[] sizes = {500_000, 32 << 20, 100_000};
            List<String> keys = keys("frozen", sizes.length);
            Map<String, byte[]> payloads = new HashMap<>();
            for (int i = 0; i < sizes.length; i++)
                payloads.put(keys.get(i), new byte[sizes[i]]);
            List<String> unanswered = new ArrayList<>();

            long t0 = System.nanoTime();
            Map<String, Object> got;
            try {
                got = Deadlines.within(5_000, "writeDeadlineMillis",
                    () -> c.write(Map.of(peer, keys), payloads, NO_OPTIONS, unanswered));
            } finally {
                testEnded.countDown();
            }
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertTrue(unanswered.isEmpty(), "left to the usual path: " + unanswered);
            assertInstanceOf(PutResult.class, got.get(keys.get(0)), "the first piece was answered");
            for (String k : keys.subList(1, keys.size())) {
                KvGridException e = assertInstanceOf(KvGridException.class, got.get(k), k);
                assertEquals(ErrorCode.TIMEOUT, e.code(), k);
                assertEquals("writeDeadlineMillis", e.argument(), k);
            }
            assertTrue(tookMs < 30_000, "ended by the 5 s deadline, not the client's 60 s: " + tookMs + " ms");
        }
    }

    @Test
    void aLaterLookupPieceToANodeThatStoppedReadingCountsItsIdsAsMissesAtTheDeadline() throws Exception {
        CountDownLatch testEnded = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        try (FakeChannelNode node = new FakeChannelNode((in, out) -> {
            for (int op; (op = BlockChannelWire.readOp(in)) >= 0; ) {
                boolean[] found = new boolean[BlockChannelWire.readKeys(in).size()];
                java.util.Arrays.fill(found, true);
                BlockChannelWire.writeFound(out, found);
                out.flush();
                if (found.length > 1 && lookups.incrementAndGet() == 1)
                    testEnded.await(60, TimeUnit.SECONDS); // frozen after the first piece: reads nothing more
            }
        });
             BlockChannelClient c = new BlockChannelClient(null, 60_000)) {
            BlockChannelClient.Peer peer = node.peer("node");
            FakeChannelNode.awaitConnections(c, List.of(peer));
            // Ids of 1,000 bytes: pieces of 4 MiB, the second written whole or cut off by the watch at the deadline.
            String pad = "x".repeat(990);
            List<String> ids = keys(pad, 2 * MAX);
            List<String> unanswered = new ArrayList<>();

            Map<String, Boolean> got;
            try {
                got = Deadlines.within(5_000, "readDeadlineMillis", () -> c.lookup(Map.of(peer, ids), unanswered));
            } finally {
                testEnded.countDown();
            }

            assertTrue(unanswered.isEmpty(), unanswered.size() + " ids left to the usual path");
            for (String id : ids.subList(0, MAX))
                assertEquals(Boolean.TRUE, got.get(id), "answered by the first piece");
            for (String id : ids.subList(MAX, ids.size()))
                assertEquals(Boolean.FALSE, got.get(id), "a miss, not an error, past the deadline");
        }
    }

    private static final BlockChannelWire.PutHeader NO_OPTIONS =
        new BlockChannelWire.PutHeader(false, 0, BlockChannelWire.PIN_NONE, 0, null, null);

    private static List<String> keys(String prefix, int n) {
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++)
            keys.add(prefix + "/" + i);
        return keys;
    }

    /** What a node does once it wrote a request's answers. */
    private interface AfterAnswer {
        void after(DataOutputStream out) throws Exception;
    }

    /** What a node does with a PUT it read whole: the connection's number (from 1), the keys and their payloads. */
    private interface OnPut {
        void put(int connection, List<String> keys, List<byte[]> payloads) throws Exception;
    }

    /**
     * A node that answers lookups "not found" and each GET with its keys' names as the blocks' bytes, then runs
     * {@code afterGet}.
     */
    private static FakeChannelNode namingKeys(AfterAnswer afterGet) throws IOException {
        return new FakeChannelNode((in, out) -> {
            for (int op; (op = BlockChannelWire.readOp(in)) >= 0; ) {
                List<String> keys = BlockChannelWire.readKeys(in);
                if (op == BlockChannelWire.LOOKUP) {
                    BlockChannelWire.writeFound(out, new boolean[keys.size()]);
                    out.flush();
                    continue;
                }
                for (String k : keys)
                    answer(out, k.getBytes());
                afterGet.after(out);
                out.flush();
            }
        });
    }

    /**
     * A node that answers lookups "not found" and reads each PUT whole, hands it to {@code onPut}, answers each key
     * stored (two copies), then runs {@code afterAnswer}.
     */
    private static FakeChannelNode storing(OnPut onPut, AfterAnswer afterAnswer) throws IOException {
        AtomicInteger connections = new AtomicInteger();
        return new FakeChannelNode((in, out) -> {
            int conn = connections.incrementAndGet();
            for (int op; (op = BlockChannelWire.readOp(in)) >= 0; ) {
                if (op != BlockChannelWire.PUT) { // the lookups that wait for the connection
                    BlockChannelWire.writeFound(out, new boolean[BlockChannelWire.readKeys(in).size()]);
                    out.flush();
                    continue;
                }
                BlockChannelWire.readPutHeader(in);
                List<Integer> lengths = new ArrayList<>();
                List<String> keys = BlockChannelWire.readPutKeys(in, 64 << 20, lengths);
                List<byte[]> payloads = new ArrayList<>();
                for (int len : lengths) {
                    byte[] b = new byte[len];
                    in.readFully(b);
                    payloads.add(b);
                }
                onPut.put(conn, keys, payloads);
                for (int i = 0; i < keys.size(); i++)
                    BlockChannelWire.writeStored(out, false, 2);
                out.flush();
                afterAnswer.after(out);
            }
        });
    }

    private static void answer(DataOutputStream out, byte[] payload) throws IOException {
        BlockChannelWire.writeBlockHead(out, payload.length);
        out.write(payload);
    }
}
