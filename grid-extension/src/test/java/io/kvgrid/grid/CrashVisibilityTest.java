package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.CachePeekMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.cache.Cache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;
import java.time.Duration;

/**
 * A writer node stopped in the middle of a put: the block is never visible half-written, and the survivor reclaims
 * the writer's payload. The mid-put state is reached by stopping the writer as soon as the survivor holds its copy of
 * the large payload, before or while the record is installed; attempts are bounded.
 */
@Timeout(600)
class CrashVisibilityTest {
    private static final int SIZE = 24 << 20;
    private static final int BLOCKS = 6;
    private static final int ATTEMPTS = 5;
    private static TestCluster cluster;
    private static KvGridNode survivor;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDataRegionBytes(256L << 20);
        cluster = GridTests.cluster(1, cfg);
        survivor = cluster.node(0);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    private static IgniteCache<String, BlockRecord> meta() {
        return survivor.ignite().cache("kvgrid-meta");
    }

    /** Incomplete records, and data keys that no complete record points at, held by the survivor (the only node). */
    private static List<String> leftovers() {
        List<String> out = new ArrayList<>();
        Set<String> referenced = new HashSet<>();
        for (Cache.Entry<String, BlockRecord> e : meta().localEntries(CachePeekMode.ALL)) {
            if (e.getValue().complete())
                referenced.add(e.getValue().dataKey);
            else
                out.add("incomplete record of " + e.getKey() + " by " + e.getValue().writer);
        }
        IgniteCache<String, byte[]> data = survivor.ignite().cache("kvgrid-data-r2");
        for (Cache.Entry<String, byte[]> e : data.localEntries(CachePeekMode.ALL))
            if (!referenced.contains(e.getKey()))
                out.add("orphan payload " + e.getKey().replace(KvGridAffinity.SEP, '|') + " of " + e.getValue().length + " bytes");
        return out;
    }

    /** A key whose metadata primary is the node just added, once rebalancing has made it primary of anything. */
    private static String ownedByNewestNode(String prefix) {
        return await("a key owned by the newest node").atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50)).ignoreExceptionsInstanceOf(AssertionError.class)
            .until(() -> GridTests.keyOwnedBy(cluster, cluster.size() - 1, prefix), k -> k != null);
    }

    @Test
    void aBlockWhoseWriterStopsMidPutIsNeverVisibleHalfWrittenAndItsSpaceIsReclaimed() throws Exception {
        int midPut = 0;
        List<String> report = new ArrayList<>();
        for (int attempt = 0; attempt < ATTEMPTS && midPut < 2; attempt++) {
            KvGridNode writer = cluster.addNode();
            String writerName = writer.ignite().name();
            List<String> keys = new ArrayList<>();
            List<byte[]> blocks = new ArrayList<>();
            for (int b = 0; b < BLOCKS; b++) {
                String key = ownedByNewestNode("crash/" + attempt + "-" + b + "-");
                keys.add(key);
                blocks.add(Payload.of(key, SIZE / BLOCKS));
            }
            BlockStore store = writer.store();
            CompletableFuture<Object> put = CompletableFuture.supplyAsync(() -> {
                try {
                    return store.batchPut(keys, blocks);
                } catch (RuntimeException e) {
                    return e;
                }
            });

            // Stop the writer as soon as the survivor holds a copy of one payload, unless the put already finished:
            // the records are installed only once every payload of the batch is written.
            IgniteCache<String, byte[]> data = survivor.ignite().cache("kvgrid-data-r2");
            int before = data.localSize(CachePeekMode.ALL);
            boolean payloadSeen = false;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!put.isDone() && System.nanoTime() < deadline) {
                if (data.localSize(CachePeekMode.ALL) > before) {
                    payloadSeen = true;
                    break;
                }
                Thread.onSpinWait();
            }
            Ignition.stop(writerName, true);
            Object outcome = put.get(60, TimeUnit.SECONDS);

            // Whatever happened, the survivor sees each whole block or nothing, and no leftovers within 15 s.
            BlockStore a = survivor.store();
            int visible = 0;
            for (int b = 0; b < BLOCKS; b++) {
                String key = keys.get(b);
                if (a.exists(key)) {
                    visible++;
                    assertTrue(Arrays.equals(blocks.get(b), a.get(key)), key + " is visible but its bytes differ");
                } else {
                    assertEquals(List.of(), a.listKeys(key));
                }
            }
            String attemptInfo = "attempt " + attempt + " (" + keys + ", payload seen " + payloadSeen + ", outcome "
                + outcome + ") left garbage behind";
            await(attemptInfo).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertEquals(List.of(), leftovers(), attemptInfo));
            if (payloadSeen && visible < BLOCKS)
                midPut++;
            report.add(keys + ": payloadSeen=" + payloadSeen + " visible=" + visible + " outcome=" + outcome);
            for (String key : keys)
                if (a.exists(key))
                    a.remove(key, true);
        }
        assertTrue(midPut > 0, "no attempt stopped the writer mid-put: " + report);
    }
}
