package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block channel client against a node that stops reading: its put ends at the caller's write deadline. */
@Timeout(60)
class BlockChannelClientDeadlineTest {
    private static final BlockChannelWire.PutHeader NO_OPTIONS =
        new BlockChannelWire.PutHeader(false, 0, BlockChannelWire.PIN_NONE, 0, null, null);

    @Test
    void aPutToANodeThatStopsReadingEndsAtTheWriteDeadline() throws Exception {
        // A node that answers HELLO and then never reads again (a frozen process): the put's payloads fill the
        // socket buffers and the write would block for as long as the node stays frozen.
        try (FakeChannelNode frozen = new FakeChannelNode((in, out) -> {
                // never reads again
            });
             BlockChannelClient c = new BlockChannelClient(null, 5_000)) {
            BlockChannelClient.Peer node = frozen.peer("frozen");
            byte[] payload = new byte[32 << 20];
            Object answer = null;
            long took = 0;
            for (int i = 0; i < 100 && answer == null; i++) { // until a connection is open (made in the background)
                List<String> unanswered = new ArrayList<>();
                long t0 = System.nanoTime();
                Map<String, Object> got = Deadlines.within(500, "writeDeadlineMillis",
                    () -> c.write(Map.of(node, List.of("write/frozen")), Map.of("write/frozen", payload), NO_OPTIONS,
                        unanswered));
                took = System.nanoTime() - t0;
                answer = got.get("write/frozen");
                if (answer == null)
                    Thread.sleep(50);
            }
            assertTrue(answer instanceof KvGridException, "answered: " + answer);
            assertEquals(ErrorCode.TIMEOUT, ((KvGridException) answer).code(), answer.toString());
            assertTrue(took < java.util.concurrent.TimeUnit.SECONDS.toNanos(3), "ended by the 500 ms deadline, "
                + "took " + took / 1_000_000 + " ms");
        }
    }

}
