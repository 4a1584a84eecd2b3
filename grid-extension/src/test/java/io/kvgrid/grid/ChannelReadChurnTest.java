package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.ignite.cache.CachePeekMode;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channel reads while the same blocks are replaced again and again: the primaries read payload rows into arrays they
 * reuse, while upserts free the rows read a moment ago and new rows of the same size take their place in the pages.
 * Every read answers one whole version of its block, never a mix of two, never another block's bytes, and never
 * NOT_FOUND: a read whose payload was freed by the replacing write answers the block that replaced it (before that,
 * 1-14 reads in 10,000-16,000 here reported the block missing). With two writers, every node reads the same last
 * version, and every replaced payload is freed.
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
        churn("churn/", 1, 10);
    }

    @Test
    void twoWritersReplacingTheSameBlocksLeaveOneWholeVersionAndNoPayloadBehind() throws Exception {
        churn("churn2/", 2, 6);
    }

    /**
     * {@code writers} server nodes replace the same {@link #KEYS} blocks for {@code seconds} (writer w writes the
     * versions w + 1, w + 1 + writers, ...), while two threads of the client node read them over the channel.
     */
    private static void churn(String prefix, int writers, int seconds) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(prefix + i);
            client.store().upsert(keys.get(i), version(keys.get(i), 0));
        }
        long before = GridTests.served(registry, "channel-get");
        await("channel connections").atMost(Duration.ofSeconds(30))
            .until(() -> client.store().batchGet(keys).size() == KEYS
                && GridTests.served(registry, "channel-get") - before >= 2);

        AtomicLong writing = new AtomicLong(writers);
        AtomicLong written = new AtomicLong();
        AtomicLongArray lastOf = new AtomicLongArray(writers);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int first = w + 1;
            int writer = w;
            BlockStore store = cluster.store(w);
            threads.add(new Thread(() -> {
                long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                try {
                    for (long v = first; v <= 2_000 && System.nanoTime() < deadline; v += writers) {
                        for (String k : keys)
                            store.upsert(k, version(k, v)); // frees the version read a moment ago
                        written.accumulateAndGet(v, Math::max);
                        lastOf.set(writer, v);
                    }
                } catch (RuntimeException e) {
                    wrong.add("writer: " + e);
                } finally {
                    writing.decrementAndGet();
                }
            }, "churn-writer-" + w));
        }
        long servedBefore = GridTests.served(registry, "channel-get");
        AtomicLong reads = new AtomicLong();
        Runnable reader = () -> {
            for (int round = 0; round < 200_000 && writing.get() > 0; round++) {
                for (KeyResult<byte[]> r : client.store().batchGet(keys)) {
                    reads.incrementAndGet();
                    if (!r.ok()) {
                        wrong.add(r.key() + ": " + r.error());
                        continue;
                    }
                    byte[] got = r.value();
                    long v = ByteBuffer.wrap(got).getLong();
                    if (v < 0 || v > written.get() + writers || !Arrays.equals(version(r.key(), v), got))
                        wrong.add(r.key() + ": bytes of no single version (first 8 bytes say " + v + ")");
                }
            }
        };
        threads.add(new Thread(reader, "churn-reader"));
        threads.forEach(Thread::start);
        reader.run();
        for (Thread t : threads)
            t.join(60_000);
        assertTrue(wrong.isEmpty(), wrong.size() + " wrong answers of " + reads.get() + ", first: " + wrong.peek());
        assertTrue(written.get() >= 20, "replacements made while reading: " + written.get());
        assertTrue(GridTests.served(registry, "channel-get") - servedBefore >= 20, "the reads went over the channel");
        for (String k : keys) {
            byte[] last = client.store().get(k);
            long v = ByteBuffer.wrap(last).getLong();
            boolean someLast = false;
            for (int w = 0; w < writers; w++)
                someLast |= v == lastOf.get(w);
            assertTrue(someLast, k + ": the last version of one of the writers stands, read " + v + ", theirs " + lastOf);
            assertArrayEquals(version(k, v), last, k);
            for (int n = 0; n < 2; n++)
                assertArrayEquals(last, cluster.store(n).get(k), k + " reads the same on every node");
        }
        // Every replaced payload was freed: one payload per block is left in memory.
        KvGridConfiguration cfg = TestCluster.smallConfig();
        String data = GridCaches.dataCache(cfg, cfg.getDefaultReplicas());
        await("replaced payloads freed").atMost(Duration.ofSeconds(10)).until(() -> primaries(data, prefix) == KEYS);
    }

    /** Payloads of blocks named {@code prefix...} in data cache {@code data}, held as primary copies, on all nodes. */
    private static long primaries(String data, String prefix) {
        long n = 0;
        for (int i = 0; i < 2; i++)
            for (javax.cache.Cache.Entry<String, byte[]> e : cluster.node(i).ignite().<String, byte[]>cache(data)
                .localEntries(CachePeekMode.PRIMARY))
                if (e.getKey().startsWith(prefix))
                    n++;
        return n;
    }
}
