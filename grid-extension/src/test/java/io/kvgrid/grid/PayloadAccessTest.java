package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payloads stored and read without Ignite's defensive copies: a caller's array is never kept, an array handed out is
 * never shared, and only copies this node owns are read locally. Sizes cover one page and many (16 KiB pages).
 */
@Timeout(600)
class PayloadAccessTest {
    private static final int[] SIZES = {100, 40_000, 1 << 20};
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

    @Test
    void changingTheCallersArrayAfterAPutLeavesTheStoredBlockAsItWas() {
        for (int n = 0; n < 3; n++)
            for (int size : SIZES) {
                String key = "pa/put-" + n + "-" + size;
                byte[] value = Payload.of(key, size);
                cluster.store(n).put(key, value);
                Arrays.fill(value, (byte) 7);
                for (int reader = 0; reader < 3; reader++)
                    assertPayload(key, size, cluster.store(reader).get(key));
            }
    }

    @Test
    void changingAnArrayAGetReturnedLeavesTheNextReadAsItWas() {
        for (int size : SIZES) {
            String key = "pa/get-" + size;
            cluster.store(0).put(key, Payload.of(key, size));
            for (int reader = 0; reader < 3; reader++) {
                byte[] first = cluster.store(reader).get(key);
                Arrays.fill(first, (byte) 9);
                byte[] second = cluster.store(reader).get(key);
                assertNotSame(first, second);
                assertPayload(key, size, second);
                assertPayload(key, size, cluster.store(reader).batchGet(List.of(key)).get(0).valueOrThrow());
            }
        }
    }

    @Test
    void localReadsReturnExactlyTheCopiesThisNodeOwns() {
        Ignite ignite = cluster.node(1).ignite();
        IgniteCache<String, byte[]> data = ignite.cache(GridCaches.dataCache(TestCluster.smallConfig(), 2));
        ClusterNode local = ignite.cluster().localNode();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String key = "pa/local-" + i;
            keys.add(key);
            PayloadAccess.putAll(data, Map.of(key, Payload.of(key, SIZES[i % SIZES.length])));
        }
        keys.add("pa/never-stored");
        Map<String, byte[]> out = new HashMap<>();
        int read = PayloadAccess.read(data, keys, out);

        Set<String> ownedPartitions = PayloadAccess.owned(data, keys);
        int owned = 0;
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            assertEquals(ignite.affinity(data.getName()).isPrimaryOrBackup(local, key), ownedPartitions.contains(key),
                key + ": owned names the keys whose partition this node holds, stored or not");
            boolean here = ignite.affinity(data.getName()).isPrimaryOrBackup(local, key) && i < 24;
            assertEquals(here, out.containsKey(key), key);
            if (here) {
                owned++;
                assertPayload(key, SIZES[i % SIZES.length], out.get(key));
            }
        }
        assertEquals(owned, read);
        assertTrue(owned > 0 && owned < 24, "two copies on three nodes: some but not all keys are local, " + owned);
        assertFalse(out.containsKey("pa/never-stored"));
        // Every array handed out is the caller's own: the cache's answer is unchanged after one is overwritten.
        String any = out.keySet().iterator().next();
        byte[] before = data.get(any);
        Arrays.fill(out.get(any), (byte) 1);
        assertArrayEquals(before, data.get(any));
    }

    @Test
    void everyNodeReadsEveryBlockWhetherItsCopyIsLocalOrNot() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String key = "pa/mixed-" + i;
            keys.add(key);
            cluster.store(i % 3).put(key, Payload.of(key, SIZES[i % SIZES.length]));
        }
        for (int n = 0; n < 3; n++) {
            BlockStore s = cluster.store(n);
            var results = s.batchGet(keys);
            for (int i = 0; i < keys.size(); i++)
                assertPayload(keys.get(i), SIZES[i % SIZES.length], results.get(i).valueOrThrow());
        }
    }

    @Test
    void aNodeReadsTheRecordsItHoldsOutOfItsPartitionsWithoutAskingIgnite() {
        Ignite ignite = cluster.node(1).ignite();
        IgniteCache<String, BlockRecord> meta = ignite.cache(GridCaches.metaCache(TestCluster.smallConfig()));
        ClusterNode local = ignite.cluster().localNode();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String key = "pa/record-" + i;
            cluster.store(i % 3).put(key, Payload.of(key, 40_000));
            keys.add(key);
            // Records keep maxReplicas (3) copies: on three nodes every node holds every record.
            assertTrue(ignite.affinity(meta.getName()).isPrimaryOrBackup(local, key), key);
        }

        // readLocal answers every key of a partition held here, an absent one too (so no getAll asks for it again).
        List<String> asked = new ArrayList<>(keys);
        asked.add("pa/record-never-stored");
        Map<String, BlockRecord> records = new HashMap<>();
        assertEquals(Set.copyOf(asked), PayloadAccess.readLocal(meta, asked, records, BlockRecord.class));
        assertEquals(Set.copyOf(keys), records.keySet());
        for (String key : keys)
            assertEquals(40_000, records.get(key).size, key);

        // Ignite counts a get where it reads a record: a getAll of a key on the reading node's copy counts there, a
        // lease renewal (an entry processor) on the key's primary. Reads of keys node 1 holds as a backup count none
        // on node 1; Ignite's own getAll of the same keys counts one a key there.
        List<String> backups = new ArrayList<>();
        for (String key : keys)
            if (!ignite.affinity(meta.getName()).isPrimary(local, key))
                backups.add(key);
        assertFalse(backups.isEmpty());
        meta.enableStatistics(true);
        try {
            long before = meta.localMetrics().getCacheGets();
            BlockStore reader = cluster.store(1);
            for (String key : backups)
                assertPayload(key, 40_000, reader.get(key));
            var batch = reader.batchGet(backups);
            for (int i = 0; i < backups.size(); i++)
                assertPayload(backups.get(i), 40_000, batch.get(i).valueOrThrow());
            long after = meta.localMetrics().getCacheGets();
            assertEquals(before, after, "the store read records node 1 holds through Ignite's get");
            assertEquals(backups.size(), meta.getAll(Set.copyOf(backups)).size());
            assertTrue(meta.localMetrics().getCacheGets() >= after + backups.size(),
                "Ignite's getAll counted no gets on node 1: the check above could not fail");
        } finally {
            meta.enableStatistics(false);
        }
    }
}
