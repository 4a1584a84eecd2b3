package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block channel client reading a request spread over several nodes: every node's answers are read at once. */
@Timeout(60)
class BlockChannelClientReceiveTest {
    @Test
    void aNodeWhoseAnswerWaitsOnAnotherNodesBeingReadIsAnsweredWithinTheDeadline() throws Exception {
        // Node "late" answers only once node "large" has written all of its answer, more than the socket buffers
        // hold: read one node after the other, "late" first, the read of "late" would wait out its deadline.
        byte[] large = bytes(32 << 20, 1);
        byte[] small = bytes(1 << 10, 2);
        CountDownLatch largeWritten = new CountDownLatch(1);
        try (FakeChannelNode lateNode = FakeChannelNode.answering(out -> {
                largeWritten.await(20, TimeUnit.SECONDS);
                answer(out, small);
            });
             FakeChannelNode largeNode = FakeChannelNode.answering(out -> {
                 answer(out, large);
                 out.flush();
                 largeWritten.countDown();
             });
             BlockChannelClient c = new BlockChannelClient(null, 5_000)) {
            List<String> unanswered = new ArrayList<>();
            Read read = read(c, lateNode.peer("late"), largeNode.peer("large"), 5_000, unanswered);
            Map<String, Object> got = read.got();
            long tookMs = read.tookMs();

            assertTrue(unanswered.isEmpty(), "unanswered: " + unanswered);
            assertArrayEquals(small, assertInstanceOf(byte[].class, got.get("late/0"), "late/0: " + got.get("late/0")));
            assertArrayEquals(large, assertInstanceOf(byte[].class, got.get("large/0")));
            assertTrue(tookMs < 5_000, "read at once, not after the first node's deadline: " + tookMs + " ms");
        }
    }

    @Test
    void aNodeReadOnAThreadOfItsOwnStillEndsAtTheCallersDeadline() throws Exception {
        byte[] small = bytes(1 << 10, 3);
        CountDownLatch testEnded = new CountDownLatch(1);
        try (FakeChannelNode answering = FakeChannelNode.answering(out -> answer(out, small));
             FakeChannelNode silent = FakeChannelNode.answering(out -> testEnded.await(30, TimeUnit.SECONDS));
             BlockChannelClient c = new BlockChannelClient(null, 60_000)) { // its own wait: far past the deadline
            // "silent" is read beside
            Read read = read(c, answering.peer("answering"), silent.peer("silent"), 1_000, new ArrayList<>());
            Map<String, Object> got = read.got();
            long tookMs = read.tookMs();
            testEnded.countDown();

            assertArrayEquals(small, assertInstanceOf(byte[].class, got.get("answering/0")));
            io.kvgrid.KvGridException late = assertInstanceOf(io.kvgrid.KvGridException.class, got.get("silent/0"));
            assertEquals(io.kvgrid.ErrorCode.TIMEOUT, late.code());
            assertEquals("readDeadlineMillis", late.argument(), late.getMessage());
            assertTrue(tookMs < 10_000, "ended by the 1 s deadline, not the client's 60 s: " + tookMs + " ms");
        }
    }

    /**
     * Reads key "{name}/0" of {@code first} and of {@code second}, in that order, under a read deadline of
     * {@code deadlineMs}, once both have a connection open; the read alone is timed.
     */
    private static Read read(BlockChannelClient c, BlockChannelClient.Peer first,
                                            BlockChannelClient.Peer second, long deadlineMs, List<String> unanswered)
        throws InterruptedException {
        Map<BlockChannelClient.Peer, List<String>> byPeer = new LinkedHashMap<>();
        byPeer.put(first, List.of(first.name() + "/0"));
        byPeer.put(second, List.of(second.name() + "/0"));
        FakeChannelNode.awaitConnections(c, byPeer.keySet());
        long t0 = System.nanoTime();
        Map<String, Object> got = Deadlines.within(deadlineMs, "readDeadlineMillis", () -> c.read(byPeer, unanswered));
        return new Read(got, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private record Read(Map<String, Object> got, long tookMs) {
    }

    private static void answer(DataOutputStream out, byte[] payload) throws IOException {
        BlockChannelWire.writeBlockHead(out, payload.length);
        out.write(payload);
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
