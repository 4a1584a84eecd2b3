package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Room a client node's writer reserves on the servers that will hold its copies, and the credits it keeps there. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RoomReservationsTest {
    private static final KvGridConfiguration CFG = TestCluster.smallConfig();
    private static TestCluster cluster;
    private static KvGridNode client;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(2, CFG);
        client = cluster.addClient("room-client");
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    /** A record of two copies, one on each server. */
    private static BlockRecord twoCopies(String key, int size) {
        BlockRecord r = new BlockRecord();
        r.size = size;
        r.replicas = 2;
        r.dataCache = GridCaches.dataCache(CFG, 2);
        r.dataKey = KvGridAffinity.dataKey(key, "v1");
        return r;
    }

    private static SpaceGovernor governorOf(ClusterNode n) {
        for (int i = 0; i < cluster.size(); i++) {
            Ignite ig = cluster.node(i).ignite();
            if (ig.cluster().localNode().id().equals(n.id()))
                return KvGridRuntime.governor(ig);
        }
        throw new AssertionError("no server " + n.id());
    }

    @Test
    void aCreditHalfSpentIsRenewedInTheBackgroundAndTheOldOneReleased() {
        Ignite ig = client.ignite();
        BlockRecord rec = twoCopies("room/a", 64 << 10);
        ClusterNode holder = ig.affinity(rec.dataCache).mapKeyToNode(rec.dataKey);
        SpaceGovernor remote = governorOf(holder);
        long need = RegionPages.reservedPages(rec.size, remote.pageSize());
        long pendingBefore = remote.pendingPages();
        try (RoomReservations room = new RoomReservations(ig, remote.pageSize())) {
            room.release(room.reserve(List.of(rec)));
            long credit = room.creditLeft(holder);
            assertTrue(credit > 4 * need, "a credit for several writes: " + credit + " pages");
            assertEquals(pendingBefore + need + credit, remote.pendingPages(), "the server holds the write's room "
                + "and the credit");

            // Spend it down to just below half: each write takes from the credit, with no request of its own.
            int writes = 0;
            while (room.creditLeft(holder) >= credit / 2 && writes < 10_000) {
                Map<ClusterNode, Long> g = room.reserve(List.of(rec));
                room.release(g);
                writes++;
            }
            assertTrue(writes > 1, "writes served from the credit: " + writes);
            // A fresh credit arrives without a writer asking for it; the old one's room goes back.
            await("a fresh credit").atMost(Duration.ofSeconds(30))
                .until(() -> room.creditLeft(holder) > credit / 2);
            await("the old credit released").atMost(Duration.ofSeconds(30))
                .until(() -> remote.pendingPages() == pendingBefore + room.creditLeft(holder));
        }
        await("every credit released on close").atMost(Duration.ofSeconds(30))
            .until(() -> remote.pendingPages() == pendingBefore);
    }
}
