package io.kvgrid.client;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UCM's sharded dump and load through {@link KvGridClient}, four shards per block, two nodes. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ShardedThinClientTest {
    private static final int SHARDS = 4;
    private static final int SHARD = 8_192;
    private static TestCluster cluster;
    private static KvGridClient client;

    @BeforeAll
    static void start() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setShardsPerBlock(SHARDS);
        cluster = TestCluster.start(2, cfg);
        client = KvGridClient.connect(cluster.thinClientAddress(1));
    }

    @AfterAll
    static void stop() {
        if (client != null)
            client.close();
        if (cluster != null)
            cluster.close();
    }

    private static ByteBuffer shard(byte[] block, int k) {
        return Payload.direct(Arrays.copyOfRange(block, k * SHARD, (k + 1) * SHARD));
    }

    @Test
    void shardsDumpedInTwoCallsMakeOneBlockThatLoadsShardByShard() {
        byte[] block = Payload.of("tsh/a", SHARDS * SHARD);
        client.dump(List.of("tsh/a", "tsh/a"), new int[] {0, 1}, List.of(shard(block, 0), shard(block, 1))).await();
        assertFalse(client.exists("tsh/a"), "invisible before its last shard");
        client.dump(List.of("tsh/a", "tsh/a"), new int[] {3, 2}, List.of(shard(block, 3), shard(block, 2))).await();
        assertArrayEquals(block, cluster.store(0).get("tsh/a"));
        ByteBuffer two = ByteBuffer.allocateDirect(SHARD);
        ByteBuffer zero = ByteBuffer.allocate(SHARD);
        client.load(List.of("tsh/a", "tsh/a"), new int[] {2, 0}, List.of(two, zero)).await();
        assertArrayEquals(Arrays.copyOfRange(block, 2 * SHARD, 3 * SHARD), Payload.bytes(two, SHARD));
        assertArrayEquals(Arrays.copyOfRange(block, 0, SHARD), zero.array());
        assertTrue(client.exists("tsh/a"));
    }

    @Test
    void loadingAMissingBlockFailsTheTaskWithNotFound() {
        KvGridException e = assertThrows(KvGridException.class,
            () -> client.load(List.of("tsh/none"), new int[] {1}, List.of(ByteBuffer.allocate(SHARD))).await());
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        KvGridException bad = assertThrows(KvGridException.class,
            () -> client.dump(List.of("tsh/b"), new int[] {4}, List.of(ByteBuffer.allocate(SHARD))));
        assertEquals("shardIndex[0]", bad.argument());
    }
}
