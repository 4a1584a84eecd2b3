package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Channel reads while eviction frees the rows of the blocks being read (the primaries copy rows into arrays they
 * reuse): every read answers its own block whole, or NOT_FOUND once it is evicted; nothing else. A cluster of its own,
 * since it fills memory.
 */
@Timeout(300)
class ChannelReadEvictionTest {
    /** 8 pages each, so the 64 MiB data regions fill within seconds. */
    private static final int SIZE = 120_000;
    private static TestCluster cluster;
    private static KvGridNode client;

    @BeforeAll
    static void start() {
        cluster = GridTests.cluster(2, TestCluster.smallConfig());
        client = cluster.addClient("eviction-client");
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    @Test
    void readsWhileEvictionFreesRowsAnswerWholeBlocksOrNotFound() throws Exception {
        // 64 MiB data regions, filled past what they hold; then blocks written for 6 s evict older ones, whose rows the
        // reads may be copying.
        int prefilled = 1_200;
        for (int from = 0; from < prefilled; from += 40) {
            List<String> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = from; i < from + 40; i++) {
                keys.add("evict/" + i);
                values.add(Payload.of("evict/" + i, SIZE));
            }
            cluster.store(0).batchPut(keys, values).forEach(KeyResult::valueOrThrow);
        }
        AtomicLong written = new AtomicLong(prefilled);
        AtomicLong writing = new AtomicLong(1);
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        Thread writer = new Thread(() -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
            try {
                for (long i = prefilled; i < 20_000 && System.nanoTime() < deadline; i++) {
                    cluster.store(0).put("evict/" + i, Payload.of("evict/" + i, SIZE));
                    written.set(i + 1);
                }
            } catch (RuntimeException e) {
                wrong.add("writer: " + e);
            } finally {
                writing.set(0);
            }
        }, "evict-writer");
        writer.start();
        long reads = 0;
        long found = 0;
        Random random = new Random(42);
        for (int round = 0; round < 200_000 && writing.get() > 0; round++) {
            long n = written.get();
            List<String> keys = new ArrayList<>();
            for (int j = 0; j < 4; j++)
                keys.add("evict/" + random.nextInt((int) n)); // early ones evicted by now, late ones not
            for (KeyResult<byte[]> r : client.store().batchGet(keys)) {
                reads++;
                if (r.ok()) {
                    found++;
                    if (!Arrays.equals(Payload.of(r.key(), SIZE), r.value()))
                        wrong.add(r.key() + ": other bytes than its own");
                } else if (r.error().code() != ErrorCode.NOT_FOUND) {
                    wrong.add(r.key() + ": " + r.error());
                }
            }
        }
        writer.join(60_000);
        assertTrue(wrong.isEmpty(), wrong.size() + " wrong answers of " + reads + ", first: " + wrong.peek());
        assertFalse(client.store().batchGet(List.of("evict/0")).get(0).ok(), "the first block was evicted, of "
            + written.get());
        assertTrue(found > 100 && found < reads, "some reads found their block, some found it evicted: " + found
            + " of " + reads);
    }
}
