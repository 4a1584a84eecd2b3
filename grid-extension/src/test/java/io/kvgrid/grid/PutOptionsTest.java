package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static io.kvgrid.grid.GridTests.assertFails;
import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replica count, preferred node and pins of {@link PutOptions} on a two-node cluster. */
@Timeout(600)
class PutOptionsTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final long DEFAULT_PIN = 60_000;
    private static final GridTests.ManualTicker clock = new GridTests.ManualTicker(T0);
    private static TestCluster cluster;
    private static BlockStore a;
    private static BlockStore b;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTicker(clock);
        cfg.setDefaultSoftPinTtlMillis(DEFAULT_PIN);
        cluster = GridTests.cluster(2, cfg);
        a = cluster.store(0);
        b = cluster.store(1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    @Test
    void aReplicaCountOfOneKeepsASingleCopyThatEveryNodeReads() {
        PutResult r = a.put("opt/r1", Payload.of("opt/r1", 3_000), PutOptions.builder().replicas(1).build());
        assertTrue(r.stored());
        assertEquals(1, r.replicas());
        assertEquals(1, b.query("opt/r1").orElseThrow().replicaNodes().size());
        assertPayload("opt/r1", 3_000, a.get("opt/r1"));
        assertPayload("opt/r1", 3_000, b.get("opt/r1"));
    }

    @Test
    void threeReplicasOnATwoNodeClusterAreReportedAsTwo() {
        PutResult r = b.put("opt/r3", Payload.of("opt/r3", 3_000), PutOptions.builder().replicas(3).build());
        assertTrue(r.stored());
        assertEquals(2, r.replicas());
        BlockMeta m = a.query("opt/r3").orElseThrow();
        assertEquals(Set.of(cluster.node(0).consistentId(), cluster.node(1).consistentId()), Set.copyOf(m.replicaNodes()));
        assertEquals(2, m.replicaNodes().size());
        assertPayload("opt/r3", 3_000, a.get("opt/r3"));
    }

    @Test
    void thePreferredNodeHoldsThePrimaryCopyWhicheverNodeWrites() {
        for (int writer = 0; writer < 2; writer++) {
            for (int preferred = 0; preferred < 2; preferred++) {
                String key = "opt/pref-" + writer + "-" + preferred;
                String id = cluster.node(preferred).consistentId();
                PutResult r = cluster.store(writer).put(key, Payload.of(key, 2_000),
                    PutOptions.builder().preferredNode(id).build());
                assertTrue(r.stored());
                BlockMeta m = cluster.store(1 - writer).query(key).orElseThrow();
                assertEquals(id, m.replicaNodes().get(0), key);
                assertPayload(key, 2_000, cluster.store(1 - preferred).get(key));
            }
        }
    }

    @Test
    void aSoftPinIsRecordedWithItsTtlFromTheInjectedClock() {
        long now = clock.advance(1_000);
        a.put("opt/soft", Payload.of("opt/soft", 100), PutOptions.builder().softPin(Duration.ofMinutes(5)).build());
        a.put("opt/soft-default", Payload.of("opt/soft-default", 100), PutOptions.builder().softPin().build());
        BlockMeta m = b.query("opt/soft").orElseThrow();
        assertEquals(now + 300_000, m.softPinUntilMillis());
        assertTrue(m.softPinnedAt(now + 299_999));
        assertFalse(m.softPinnedAt(now + 300_000));
        assertFalse(m.hardPinned());
        assertEquals(now + DEFAULT_PIN, b.query("opt/soft-default").orElseThrow().softPinUntilMillis());
        assertPayload("opt/soft", 100, b.get("opt/soft"));
    }

    @Test
    void aHardPinIsRecordedWithoutASoftPin() {
        a.put("opt/hard", Payload.of("opt/hard", 100), PutOptions.builder().hardPin().replicas(1).build());
        BlockMeta m = b.query("opt/hard").orElseThrow();
        assertTrue(m.hardPinned());
        assertEquals(0, m.softPinUntilMillis());
        assertEquals(1, m.replicaNodes().size());
        assertPayload("opt/hard", 100, b.get("opt/hard"));
        a.put("opt/unpinned", Payload.of("opt/unpinned", 100));
        assertFalse(b.query("opt/unpinned").orElseThrow().hardPinned());
    }

    @Test
    void conflictingPinSettingsAreRejectedByTheBuilder() {
        assertFails(ErrorCode.INVALID_ARGUMENT, "hardPin", () -> PutOptions.builder().softPin(Duration.ofSeconds(1)).hardPin());
        assertFails(ErrorCode.INVALID_ARGUMENT, "hardPin", () -> PutOptions.builder().softPin().hardPin());
        assertFails(ErrorCode.INVALID_ARGUMENT, "softPin", () -> PutOptions.builder().hardPin().softPin(Duration.ofSeconds(1)));
        assertFails(ErrorCode.INVALID_ARGUMENT, "softPin", () -> PutOptions.builder().hardPin().softPin());
    }

    @Test
    void optionsOfAWriteOncePutThatFindsTheKeyDoNotChangeTheStoredBlock() {
        String key = GridTests.keyOwnedBy(cluster, 0, "opt/keep-");
        a.put(key, Payload.of(key, 700));
        PutResult r = a.put(key, Payload.of("x", 10), PutOptions.builder().hardPin().replicas(1).build());
        assertTrue(r.existed());
        BlockMeta m = b.query(key).orElseThrow();
        assertFalse(m.hardPinned());
        assertEquals(2, m.replicaNodes().size());
        assertPayload(key, 700, b.get(key));
    }

    @Test
    void replicaCountIsUsedForBatchPutsToo() {
        List<String> keys = List.of("opt/batch-1", "opt/batch-2");
        var res = a.batchPut(keys, List.of(Payload.of(keys.get(0), 10), Payload.of(keys.get(1), 20)),
            PutOptions.builder().replicas(1).build());
        for (var r : res)
            assertEquals(1, r.valueOrThrow().replicas());
        assertEquals(1, b.query("opt/batch-2").orElseThrow().replicaNodes().size());
        assertPayload("opt/batch-1", 10, b.get("opt/batch-1"));
        assertPayload("opt/batch-2", 20, b.get("opt/batch-2"));
    }
}
