package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.KeyResult;
import io.kvgrid.PutResult;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several threads on two nodes at once: write-once races and concurrent batches. */
@Timeout(600)
class ConcurrencyTest {
    private static final int WRITERS = 8;
    private static final int ROUNDS = 6;
    private static final int SIZE = 64 * 1024;
    private static TestCluster cluster;
    private static ExecutorService pool;

    @BeforeAll
    static void startCluster() {
        cluster = GridTests.cluster(2, TestCluster.smallConfig());
        pool = Executors.newFixedThreadPool(WRITERS);
    }

    @AfterAll
    static void stopCluster() {
        if (pool != null)
            pool.shutdownNow();
        if (cluster != null)
            cluster.close();
    }

    private static byte[] payloadOf(String key, int writer) {
        return Payload.of(key + "#writer-" + writer, SIZE);
    }

    /** Runs {@code WRITERS} tasks released together; every one must finish within 60 s. */
    private static <T> List<T> race(IntFunction<Callable<T>> task) throws Exception {
        CyclicBarrier start = new CyclicBarrier(WRITERS);
        List<Future<T>> fs = new ArrayList<>();
        for (int t = 0; t < WRITERS; t++) {
            Callable<T> body = task.apply(t);
            fs.add(pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return body.call();
            }));
        }
        List<T> out = new ArrayList<>();
        for (Future<T> f : fs)
            out.add(f.get(60, TimeUnit.SECONDS));
        return out;
    }

    /** Exactly one writer stored the key; the stored bytes are exactly that writer's payload. */
    private static void assertOneWinner(String key, List<PutResult> results) {
        int winner = -1;
        for (int t = 0; t < results.size(); t++) {
            if (results.get(t).stored()) {
                assertEquals(-1, winner, key + ": writers " + winner + " and " + t + " both stored");
                winner = t;
            }
        }
        assertTrue(winner >= 0, key + ": no writer reports it stored");
        for (int n = 0; n < 2; n++)
            assertTrue(Arrays.equals(payloadOf(key, winner), cluster.store(n).get(key)),
                key + ": stored bytes are not exactly the winner's payload");
        assertEquals(SIZE, cluster.store(0).size(key));
    }

    @Test
    void writersRacingThroughBothNodesStoreExactlyOnePayloadAndTheOthersAreToldItExisted() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String key = "race/both-" + round;
            assertOneWinner(key, race(t -> () -> cluster.store(t % 2).put(key, payloadOf(key, t))));
        }
    }

    @Test
    void writersRacingThroughTheKeysOwnerStoreExactlyOnePayloadAndTheOthersAreToldItExisted() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            int owner = round % 2;
            String key = GridTests.keyOwnedBy(cluster, owner, "race/owner-" + round + "-");
            assertOneWinner(key, race(t -> () -> cluster.store(owner).put(key, payloadOf(key, t))));
        }
    }

    @Test
    void aWriterToldTheKeyExistedCanReadTheBlockStraightAway() throws Exception {
        // "existed" acknowledges that the key is stored: the caller may read it right away.
        for (int round = 0; round < ROUNDS; round++) {
            int owner = round % 2;
            String key = GridTests.keyOwnedBy(cluster, owner, "race/read-" + round + "-");
            List<String> failures = race(t -> () -> {
                BlockStore s = cluster.store(owner);
                PutResult r = s.put(key, payloadOf(key, t));
                if (r.stored())
                    return null;
                List<KeyResult<byte[]>> got = s.batchGet(List.of(key));
                return got.get(0).ok() ? null : "writer " + t + ": " + got.get(0).error();
            });
            failures.removeIf(f -> f == null);
            assertEquals(List.of(), failures, key);
        }
    }

    @Test
    void aLookupRacingARemovalEitherFindsAndLeasesTheBlockOrMissesIt() throws Exception {
        // A lookup promises that a block it finds stays for a lease: a removal that is not forced must then be
        // refused. So for each key exactly one of the two wins. The lookup reads the records, then leases the stale
        // ones; a removal between the two must make the key a miss (Ignite's invokeAll leaves a processor's null
        // result out of its map, so "no result" is the removed case).
        int keys = 64;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int rounds = 0;
        List<String> bothWon = new ArrayList<>();
        for (; rounds < 150 && System.nanoTime() < deadline && bothWon.isEmpty(); rounds++) {
            List<String> ks = new ArrayList<>();
            List<byte[]> vs = new ArrayList<>();
            for (int i = 0; i < keys; i++) {
                ks.add("race/lease-" + rounds + "-" + i);
                vs.add(Payload.of(ks.get(i), 512));
            }
            for (KeyResult<PutResult> r : cluster.store(0).batchPut(ks, vs))
                assertTrue(r.valueOrThrow().stored(), r.key());
            CyclicBarrier start = new CyclicBarrier(2);
            Future<boolean[]> found = pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return cluster.store(1).lookup(ks);
            });
            Future<List<KeyResult<Boolean>>> removed = pool.submit(() -> {
                start.await(30, TimeUnit.SECONDS);
                return cluster.store(0).batchRemove(ks, false);
            });
            boolean[] f = found.get(60, TimeUnit.SECONDS);
            List<KeyResult<Boolean>> r = removed.get(60, TimeUnit.SECONDS);
            for (int i = 0; i < keys; i++) {
                if (f[i] && r.get(i).ok())
                    bothWon.add(ks.get(i));
            }
        }
        assertEquals(List.of(), bothWon, "found by the lookup, yet removed unforced (" + rounds + " rounds)");
        assertTrue(rounds > 0);
    }

    @Test
    void batchPutsAndGetsFromSeveralThreadsKeepEveryPayloadIntact() throws Exception {
        int threads = 4;
        int keysPerBatch = 32;
        int rounds = 5;
        List<Future<Integer>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            fs.add(pool.submit(() -> {
                BlockStore s = cluster.store(thread % 2);
                int checked = 0;
                for (int round = 0; round < rounds; round++) {
                    List<String> keys = new ArrayList<>();
                    List<byte[]> values = new ArrayList<>();
                    for (int i = 0; i < keysPerBatch; i++) {
                        String k = "cb/" + thread + "/" + round + "/" + i;
                        keys.add(k);
                        values.add(Payload.of(k, 1_000 + 37 * i));
                    }
                    for (KeyResult<PutResult> r : s.batchPut(keys, values))
                        assertTrue(r.valueOrThrow().stored(), r.key());
                    List<KeyResult<byte[]>> got = cluster.store((thread + 1) % 2).batchGet(keys);
                    for (int i = 0; i < keysPerBatch; i++) {
                        assertEquals(keys.get(i), got.get(i).key());
                        assertPayload(keys.get(i), 1_000 + 37 * i, got.get(i).valueOrThrow());
                        checked++;
                    }
                }
                return checked;
            }));
        }
        int total = 0;
        for (Future<Integer> f : fs)
            total += f.get(120, TimeUnit.SECONDS);
        assertEquals(threads * rounds * keysPerBatch, total);
        assertEquals(threads * rounds * keysPerBatch, cluster.store(0).listKeys("cb/.*").size());
    }
}
