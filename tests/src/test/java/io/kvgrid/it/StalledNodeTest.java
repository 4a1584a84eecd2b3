package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.PutResult;
import io.kvgrid.testing.TestCluster;
import io.kvgrid.testing.Payload;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One of three server processes is frozen with SIGSTOP (what a long GC pause or a hung host looks like) for 6 s, less
 * than failure detection takes. Reads through a client node of the others never wait for it past the read deadline
 * (100 ms): p99 stays under twice that, and a block it held comes back missing (TIMEOUT) rather than late. Writes
 * are bounded by the write deadline. After SIGCONT the cluster converges and every acknowledged block, written before
 * or during the freeze, reads back with its bytes.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class StalledNodeTest {
    private static final long READ_DEADLINE_MS = 100;
    private static final int BLOCK = 64 << 10;

    @Test
    void readsNeverWaitForAStoppedNodePastTheirDeadlineAndNothingAcknowledgedIsLost(@TempDir Path tmp)
        throws Exception {
        try (ServerProcesses servers = ServerProcesses.start(3, tmp, 64L << 20, "stall",
            "readDeadlineMs=" + READ_DEADLINE_MS);
             KvGridNode client = clientNode(servers)) {
            BlockStore store = client.store();
            List<String> acked = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (int batch = 0; batch < 10; batch++) {
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < 20; i++)
                    keys.add("before-" + (batch * 20 + i));
                // A cold JVM on a busy machine may miss the 2 s write deadline once: such a write is retried.
                for (int attempt = 0; attempt < 3 && !keys.isEmpty(); attempt++) {
                    List<byte[]> values = new ArrayList<>();
                    for (String k : keys)
                        values.add(Payload.of(k, BLOCK));
                    List<String> again = new ArrayList<>();
                    for (KeyResult<PutResult> r : store.batchPut(keys, values)) {
                        if (r.ok()) {
                            acked.add(r.key());
                        } else {
                            again.add(r.key());
                            refused.add(r.key() + ": " + r.error());
                        }
                    }
                    keys = again;
                }
            }
            assertTrue(acked.size() == 200, "all 200 blocks written before the freeze: " + refused);
            for (String k : acked)
                assertArrayEquals(Payload.of(k, BLOCK), store.get(k), "warm-up read of " + k);

            Histogram reads = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            Map<String, Integer> outcomes = new TreeMap<>();
            List<String> ackedDuringFreeze = new ArrayList<>();
            long longestPut = 0;
            Random rnd = new Random(42);
            servers.signal(0, "STOP");
            try {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                for (int i = 0; i < 20_000 && System.nanoTime() < end; i++) {
                    String k = acked.get(rnd.nextInt(acked.size()));
                    long t0 = System.nanoTime();
                    String outcome;
                    if (i % 4 == 3) {
                        outcome = store.lookup(List.of(k))[0] ? "lookup hit" : "lookup miss";
                    } else {
                        try {
                            assertArrayEquals(Payload.of(k, BLOCK), store.get(k), "bytes of " + k);
                            outcome = "get hit";
                        } catch (KvGridException e) {
                            assertTrue(e.code() == ErrorCode.TIMEOUT, "a read fails only by its deadline: " + e);
                            outcome = "get " + e.code();
                        }
                    }
                    reads.recordValue(System.nanoTime() - t0);
                    outcomes.merge(outcome, 1, Integer::sum);
                    if (i % 50 == 0) {
                        String w = "during-" + i;
                        long p0 = System.nanoTime();
                        try {
                            store.put(w, Payload.of(w, BLOCK));
                            ackedDuringFreeze.add(w);
                        } catch (KvGridException e) {
                            assertTrue(e.code() == ErrorCode.TIMEOUT, "a write fails only by its deadline: " + e);
                        }
                        longestPut = Math.max(longestPut, System.nanoTime() - p0);
                    }
                }
            } finally {
                servers.signal(0, "CONT");
            }
            double p99Ms = reads.getValueAtPercentile(99) / 1e6;
            String report = String.format("reads while stopped: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %s; "
                    + "puts acknowledged %d, longest put %.0f ms", reads.getTotalCount(),
                reads.getValueAtPercentile(50) / 1e6, p99Ms, reads.getMaxValue() / 1e6, outcomes,
                ackedDuringFreeze.size(), longestPut / 1e6);
            System.out.println("StalledNodeTest: " + report);
            assertTrue(reads.getTotalCount() >= 20, report);
            assertTrue(p99Ms < 2 * READ_DEADLINE_MS, "p99 under twice the read deadline: " + report);
            assertTrue(longestPut < TimeUnit.MILLISECONDS.toNanos(2_000 + 1_000), "puts bounded: " + report);

            List<String> all = new ArrayList<>(acked);
            all.addAll(ackedDuringFreeze);
            await("every acknowledged block reads back after SIGCONT").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> {
                    for (String k : all)
                        assertArrayEquals(Payload.of(k, BLOCK), store.get(k), "block " + k);
                });
            assertTrue(servers.allAlive(), "every server is up after the freeze");
        }
    }

    private static KvGridNode clientNode(ServerProcesses servers) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setReadDeadlineMillis(READ_DEADLINE_MS);
        cfg.setWriteDeadlineMillis(2_000);
        return KvGrid.start(KvGrid.embeddedConfiguration("stall-client", cfg, servers.discoveryPort(),
            servers.discoveryPort() + KvGrid.DISCOVERY_PORT_RANGE).setClientMode(true));
    }
}
