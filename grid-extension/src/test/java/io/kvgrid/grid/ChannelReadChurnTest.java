package io.kvgrid.grid;

import io.kvgrid.KeyResult;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channel reads while the same blocks are replaced again and again: the primaries read payload rows into arrays they
 * reuse, while upserts free the rows read a moment ago and new rows of the same size take their place in the pages.
 * Every read answers one whole version of its block, never a mix of two, never another block's bytes, and never
 * NOT_FOUND: a read whose payload was freed by the replacing write answers the block that replaced it (before that,
 * 1-14 reads in 10,000-16,000 here reported the block missing).
 */
@Timeout(300)
class ChannelReadChurnTest {
    private static final int SIZE = 300_000;
    private static final int KEYS = 2;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static TestCluster cluster;
    private static KvGridNode client;

    @BeforeAll
    static void start() {
        cluster = GridTests.metered(2, registry);
        client = cluster.addClient("churn-client");
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    /** Version {@code v} of block {@code key}: the version in its first 8 bytes, then bytes seeded by both. */
    private static byte[] version(String key, long v) {
        byte[] b = Payload.of(key + "#" + v, SIZE);
        ByteBuffer.wrap(b).putLong(v);
        return b;
    }

    @Test
    void everyReadDuringReplacementsAnswersOneWholeVersionOfItsBlock() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add("churn/" + i);
            client.store().upsert(keys.get(i), version(keys.get(i), 0));
        }
        long before = GridTests.served(registry, "channel-get");
        await("channel connections").atMost(Duration.ofSeconds(30))
            .until(() -> client.store().batchGet(keys).size() == KEYS
                && GridTests.served(registry, "channel-get") - before >= 2);

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong written = new AtomicLong();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        Thread writer = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            try {
                for (long v = 1; v <= 2_000 && System.nanoTime() < deadline; v++) {
                    for (String k : keys)
                        cluster.store(0).upsert(k, version(k, v)); // frees the version read a moment ago
                    written.set(v);
                }
            } catch (RuntimeException e) {
                wrong.add("writer: " + e);
            } finally {
                writing.set(false);
            }
        }, "churn-writer");
        long servedBefore = GridTests.served(registry, "channel-get");
        AtomicLong reads = new AtomicLong();
        Runnable reader = () -> {
            for (int round = 0; round < 200_000 && writing.get(); round++) {
                for (KeyResult<byte[]> r : client.store().batchGet(keys)) {
                    reads.incrementAndGet();
                    if (!r.ok()) {
                        wrong.add(r.key() + ": " + r.error());
                        continue;
                    }
                    byte[] got = r.value();
                    long v = ByteBuffer.wrap(got).getLong();
                    if (v < 0 || v > written.get() + 1 || !Arrays.equals(version(r.key(), v), got))
                        wrong.add(r.key() + ": bytes of no single version (first 8 bytes say " + v + ")");
                }
            }
        };
        Thread second = new Thread(reader, "churn-reader");
        writer.start();
        second.start();
        reader.run();
        second.join(60_000);
        writer.join(60_000);
        assertTrue(wrong.isEmpty(), wrong.size() + " wrong answers of " + reads.get() + ", first: " + wrong.peek());
        assertTrue(written.get() >= 20, "replacements made while reading: " + written.get());
        assertTrue(GridTests.served(registry, "channel-get") - servedBefore >= 20, "the reads went over the channel");
        for (String k : keys)
            assertEquals(written.get(), ByteBuffer.wrap(client.store().get(k)).getLong(), "the last version stands");
    }
}
