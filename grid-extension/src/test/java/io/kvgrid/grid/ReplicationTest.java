package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.KeyResult;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Replicas on a three-node cluster: distinct nodes, reads from any node, survival of a stopped node. */
@Timeout(600)
class ReplicationTest {
    private static TestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = GridTests.cluster(3, TestCluster.smallConfig());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    private static Set<String> nodeIds() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < cluster.size(); i++)
            ids.add(cluster.node(i).consistentId());
        return ids;
    }

    @Test
    void threeReplicasAreHeldByThreeDistinctNodes() {
        for (int i = 0; i < 8; i++) {
            String key = "rep/r3-" + i;
            PutResult r = cluster.store(i % 3).put(key, Payload.of(key, 5_000), PutOptions.builder().replicas(3).build());
            assertEquals(3, r.replicas());
            List<String> nodes = cluster.store((i + 1) % 3).query(key).orElseThrow().replicaNodes();
            assertEquals(3, nodes.size());
            assertEquals(nodeIds(), Set.copyOf(nodes));
            assertPayload(key, 5_000, cluster.store((i + 2) % 3).get(key));
        }
    }

    @Test
    void defaultReplicasAreTwoCopiesOnDistinctNodes() {
        for (int i = 0; i < 8; i++) {
            String key = "rep/r2-" + i;
            assertEquals(2, cluster.store(i % 3).put(key, Payload.of(key, 1_000)).replicas());
            List<String> nodes = cluster.store(0).query(key).orElseThrow().replicaNodes();
            assertEquals(2, Set.copyOf(nodes).size(), key + " on " + nodes);
            assertTrue(nodeIds().containsAll(nodes));
        }
    }

    @Test
    void everyNodeServesReadsOfEveryBlock() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String key = "rep/read-" + i;
            keys.add(key);
            cluster.store(i % 3).put(key, Payload.of(key, 2_000 + i), PutOptions.builder().replicas(1 + i % 3).build());
        }
        for (int n = 0; n < 3; n++) {
            BlockStore s = cluster.store(n);
            List<KeyResult<byte[]>> all = s.batchGet(keys);
            for (int i = 0; i < keys.size(); i++) {
                assertPayload(keys.get(i), 2_000 + i, all.get(i).valueOrThrow());
                ByteBuffer buf = ByteBuffer.allocateDirect(2_000 + i);
                assertEquals(2_000 + i, s.getInto(keys.get(i), buf));
                assertPayload(keys.get(i), 2_000 + i, Payload.bytes(buf, 2_000 + i));
            }
            assertEquals(keys.size(), s.lookupOnPrefixLength(keys));
        }
    }

    @Test
    void thePreferredNodeIsTheFirstReplica() {
        for (int p = 0; p < 3; p++) {
            String key = "rep/pref-" + p;
            String id = cluster.node(p).consistentId();
            cluster.store((p + 1) % 3).put(key, Payload.of(key, 900), PutOptions.builder().preferredNode(id).build());
            BlockMeta m = cluster.store((p + 2) % 3).query(key).orElseThrow();
            assertEquals(id, m.replicaNodes().get(0));
            assertEquals(2, m.replicaNodes().size());
            assertPayload(key, 900, cluster.store(p).get(key));
        }
    }

    @Test
    void blocksStayReadableAfterANodeHoldingThemStops() {
        cluster.addNode();                                    // the fourth node, stopped below
        String leaving = cluster.node(3).consistentId();
        List<String> keys = new ArrayList<>();
        int onLeaving = 0;
        for (int i = 0; i < 24; i++) {
            String key = "rep/survive-" + i;
            keys.add(key);
            cluster.store(i % 4).put(key, Payload.of(key, 8_000));
            if (cluster.store(0).query(key).orElseThrow().replicaNodes().contains(leaving))
                onLeaving++;
        }
        assertTrue(onLeaving > 0, "some block has a copy on the node that stops");

        cluster.stopNode(3);
        for (int n = 0; n < 3; n++) {
            BlockStore s = cluster.store(n);
            for (String key : keys) {
                assertPayload(key, 8_000, s.get(key));
                assertFalse(s.query(key).orElseThrow().replicaNodes().contains(leaving));
            }
        }
    }
}
