package io.kvgrid.grid;

import io.kvgrid.BlockStore;
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

import static io.kvgrid.grid.GridTests.assertFails;
import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A store of four shards per block: dump shard by shard, load single shards. */
@Timeout(600)
class ShardedBlocksTest {
    private static final int SHARDS = 4;
    private static final int SHARD = 4_096;
    private static final int MAX_BLOCK = 64 * 1024;
    private static TestCluster cluster;
    private static BlockStore a;
    private static BlockStore b;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setShardsPerBlock(SHARDS);
        cfg.setMaxBlockBytes(MAX_BLOCK);
        cluster = GridTests.cluster(2, cfg);
        a = cluster.store(0);
        b = cluster.store(1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    private static ByteBuffer shard(byte[] block, int k, int size) {
        return ByteBuffer.wrap(Arrays.copyOfRange(block, k * size, (k + 1) * size));
    }

    private static void assertInvisible(String id) {
        for (BlockStore s : List.of(a, b)) {
            assertFalse(s.exists(id), id + " is visible before its last shard");
            assertEquals(List.of(), s.listKeys(id));
            assertEquals(ErrorCode.NOT_FOUND, assertThrows(KvGridException.class, () -> s.get(id)).code());
        }
    }

    @Test
    void aBlockDumpedShardByShardBecomesVisibleOnlyAfterItsLastShard() {
        byte[] block = Payload.of("sh/seq", SHARDS * SHARD);
        for (int k = 0; k < SHARDS; k++) {
            assertInvisible("sh/seq");
            a.dump(List.of("sh/seq"), new int[] {k}, List.of(shard(block, k, SHARD))).await();
        }
        assertTrue(b.exists("sh/seq"));
        assertEquals(SHARDS * SHARD, b.size("sh/seq"));
        assertArrayEquals(block, b.get("sh/seq"));
    }

    @Test
    void shardsDumpedOutOfOrderInOneCallAssembleIntoTheBlock() {
        byte[] block = Payload.of("sh/one-call", SHARDS * SHARD);
        int[] order = {2, 0, 3, 1};
        ByteBuffer[] bufs = new ByteBuffer[SHARDS];
        for (int i = 0; i < SHARDS; i++)
            bufs[i] = order[i] % 2 == 0 ? shard(block, order[i], SHARD) : Payload.direct(shard(block, order[i], SHARD).array());
        b.dump(List.of("sh/one-call", "sh/one-call", "sh/one-call", "sh/one-call"), order, List.of(bufs)).await();
        assertArrayEquals(block, a.get("sh/one-call"));
    }

    @Test
    void loadOfShardKReturnsExactlyTheBytesFromKTimesSToKPlusOneTimesS() {
        byte[] put = Payload.of("sh/put", SHARDS * SHARD);
        a.put("sh/put", put);
        byte[] dumped = Payload.of("sh/dumped", SHARDS * 1_000);
        for (int k = SHARDS - 1; k >= 0; k--)
            b.dump(List.of("sh/dumped"), new int[] {k}, List.of(shard(dumped, k, 1_000))).await();

        for (int k = 0; k < SHARDS; k++) {
            ByteBuffer buf = ByteBuffer.allocateDirect(SHARD + 20);
            for (int i = 0; i < buf.capacity(); i++)
                buf.put(i, (byte) 0x5A);
            buf.position(8);
            b.load(List.of("sh/put"), new int[] {k}, List.of(buf)).await();
            assertEquals(8 + SHARD, buf.position(), "load advances the position by one shard");
            byte[] all = Payload.bytes(buf, SHARD + 20);
            assertArrayEquals(Arrays.copyOfRange(put, k * SHARD, (k + 1) * SHARD), Arrays.copyOfRange(all, 8, 8 + SHARD));
            assertEquals(0x5A, all[7]);
            assertEquals(0x5A, all[8 + SHARD]);

            ByteBuffer small = ByteBuffer.allocate(1_000);
            a.load(List.of("sh/dumped"), new int[] {k}, List.of(small)).await();
            assertArrayEquals(Arrays.copyOfRange(dumped, k * 1_000, (k + 1) * 1_000), small.array());
        }
    }

    @Test
    void loadOfSeveralShardsOfSeveralBlocksInOneCallFillsEachBuffer() {
        byte[] x = Payload.of("sh/x", SHARDS * 512);
        byte[] y = Payload.of("sh/y", SHARDS * 256);
        a.put("sh/x", x);
        b.put("sh/y", y);
        List<ByteBuffer> bufs = List.of(ByteBuffer.allocate(512), ByteBuffer.allocate(256), ByteBuffer.allocate(512));
        b.load(List.of("sh/x", "sh/y", "sh/x"), new int[] {3, 1, 0}, bufs).await();
        assertArrayEquals(Arrays.copyOfRange(x, 3 * 512, 4 * 512), bufs.get(0).array());
        assertArrayEquals(Arrays.copyOfRange(y, 256, 512), bufs.get(1).array());
        assertArrayEquals(Arrays.copyOfRange(x, 0, 512), bufs.get(2).array());
    }

    @Test
    void shardsDumpedThroughDifferentNodesStillAssembleIntoOneBlock() {
        // Inference workers (one per GPU rank) each dump their own shard, often through different nodes.
        byte[] block = Payload.of("sh/spread", SHARDS * SHARD);
        for (int k = 0; k < SHARDS; k++) {
            assertInvisible("sh/spread");
            cluster.store(k % 2).dump(List.of("sh/spread"), new int[] {k}, List.of(shard(block, k, SHARD))).await();
        }
        assertArrayEquals(block, a.get("sh/spread"));
    }

    @Test
    void aShardedDumpLargerThanMaxBlockBytesIsRejectedAndStoresNothing() {
        int shard = MAX_BLOCK / 2;                          // four of them: twice the limit
        byte[] block = Payload.of("sh/huge", SHARDS * shard);
        KvGridException err = null;
        for (int k = 0; k < SHARDS && err == null; k++) {
            try {
                a.dump(List.of("sh/huge"), new int[] {k}, List.of(shard(block, k, shard))).await();
            } catch (KvGridException e) {
                err = e;
            }
        }
        assertTrue(err != null, "a block of " + block.length + " bytes was accepted although maxBlockBytes is " + MAX_BLOCK);
        assertEquals(ErrorCode.INVALID_ARGUMENT, err.code());
        assertInvisible("sh/huge");
    }

    @Test
    void aShardOfTheWrongSizeIsRejectedAndDoesNotSpoilTheBlock() {
        byte[] block = Payload.of("sh/sizes", SHARDS * SHARD);
        a.dump(List.of("sh/sizes"), new int[] {0}, List.of(shard(block, 0, SHARD))).await();
        KvGridException e = assertThrows(KvGridException.class, () -> a.dump(List.of("sh/sizes"), new int[] {1},
            List.of(ByteBuffer.allocate(SHARD / 2))).await());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertInvisible("sh/sizes");
        for (int k = 1; k < SHARDS; k++)
            a.dump(List.of("sh/sizes"), new int[] {k}, List.of(shard(block, k, SHARD))).await();
        assertArrayEquals(block, b.get("sh/sizes"));
    }

    @Test
    void loadOfABlockThatIsNotAWholeNumberOfShardsFails() {
        a.put("sh/odd", Payload.of("sh/odd", 4_001));
        KvGridException e = assertThrows(KvGridException.class,
            () -> b.load(List.of("sh/odd"), new int[] {0}, List.of(ByteBuffer.allocate(4_001))).await());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertPayload("sh/odd", 4_001, b.get("sh/odd"));
    }

    @Test
    void aShardIndexOfShardsPerBlockOrMoreIsRejected() {
        assertFails(ErrorCode.INVALID_ARGUMENT, "shardIndex[0]",
            () -> a.load(List.of("sh/put"), new int[] {SHARDS}, List.of(ByteBuffer.allocate(SHARD))));
        assertFails(ErrorCode.INVALID_ARGUMENT, "shardIndex[1]", () -> a.dump(List.of("sh/idx", "sh/idx"),
            new int[] {0, SHARDS}, List.of(ByteBuffer.allocate(SHARD), ByteBuffer.allocate(SHARD))));
        assertInvisible("sh/idx");
    }
}
