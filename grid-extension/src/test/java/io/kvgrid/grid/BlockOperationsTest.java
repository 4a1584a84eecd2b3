package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.BlockTask;
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
import java.time.Duration;
import java.util.List;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/** UCM-style block operations (one shard per block) on two real nodes. */
@Timeout(600)
class BlockOperationsTest {
    private static final int MAX_BLOCK = 1 << 20;
    private static TestCluster cluster;
    private static BlockStore a;
    private static BlockStore b;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
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

    /** Polls {@code check()} for at most 30 s; it must never throw, even for a failed task. */
    static void awaitByPolling(BlockTask t) {
        await("the task to finish").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
            .until(t::check);
    }

    @Test
    void lookupReportsForEachIdWhetherItsBlockIsStored() {
        a.put("lk/0", Payload.of("lk/0", 100));
        b.put("lk/2", Payload.of("lk/2", 200));
        assertArrayEquals(new boolean[] {true, false, true, false, true},
            b.lookup(List.of("lk/0", "lk/1", "lk/2", "lk/3", "lk/0")));
        assertArrayEquals(new boolean[0], a.lookup(List.of()));
        assertPayload("lk/2", 200, a.get("lk/2"));
    }

    @Test
    void lookupOnPrefixLengthCountsTheLeadingRunOfStoredIds() {
        List<String> ids = List.of("pfx/0", "pfx/1", "pfx/2", "pfx/3");
        assertEquals(0, a.lookupOnPrefixLength(ids), "nothing stored yet");
        a.put("pfx/0", Payload.of("pfx/0", 10));
        a.put("pfx/1", Payload.of("pfx/1", 11));
        a.put("pfx/3", Payload.of("pfx/3", 13));
        assertEquals(2, b.lookupOnPrefixLength(ids), "stops at the first gap");
        assertEquals(0, b.lookupOnPrefixLength(List.of("pfx/2", "pfx/3")), "0 when the first is missing");
        b.put("pfx/2", Payload.of("pfx/2", 12));
        assertEquals(4, a.lookupOnPrefixLength(ids), "all present");
        assertEquals(0, a.lookupOnPrefixLength(List.of()));
        for (int i = 0; i < 4; i++)
            assertPayload("pfx/" + i, 10 + i, b.get("pfx/" + i));
    }

    @Test
    void prefetchNeverFailsForMissingIdsAndCreatesNothing() {
        a.put("pf/there", Payload.of("pf/there", 321));
        b.prefetch(List.of("pf/missing-1", "pf/there", "pf/missing-2"));
        a.prefetch(List.of());
        assertArrayEquals(new boolean[] {false, true, false}, a.lookup(List.of("pf/missing-1", "pf/there", "pf/missing-2")));
        assertEquals(List.of("pf/there"), b.listKeys("pf/.*"));
        assertPayload("pf/there", 321, b.get("pf/there"));
    }

    @Test
    void dumpStoresBlocksThatLoadReadsBackIntoHeapAndDirectBuffers() {
        byte[] v0 = Payload.of("du/0", 30_000);
        byte[] v1 = Payload.of("du/1", 20_000);
        ByteBuffer src0 = ByteBuffer.wrap(v0);
        ByteBuffer src1 = Payload.direct(v1);
        BlockTask dump = a.dump(List.of("du/0", "du/1"), new int[] {0, 0}, List.of(src0, src1));
        dump.await();
        assertTrue(dump.check());
        assertEquals(0, src0.position());
        assertEquals(0, src1.position());
        assertArrayEquals(new boolean[] {true, true}, b.lookup(List.of("du/0", "du/1")));

        ByteBuffer heap = ByteBuffer.allocate(30_000);
        ByteBuffer direct = ByteBuffer.allocateDirect(20_004);
        direct.position(4);
        BlockTask load = b.load(List.of("du/0", "du/1"), new int[] {0, 0}, List.of(heap, direct));
        load.await(Duration.ofSeconds(30));
        assertTrue(load.check());
        assertEquals(30_000, heap.position());
        assertEquals(20_004, direct.position());
        assertArrayEquals(v0, Payload.bytes(heap, 30_000));
        assertArrayEquals(v1, java.util.Arrays.copyOfRange(Payload.bytes(direct, 20_004), 4, 20_004));
        assertArrayEquals(v0, a.get("du/0"));
    }

    @Test
    void dumpOfAnExistingBlockIsANoOp() {
        for (int owner = 0; owner < 2; owner++) {
            String id = GridTests.keyOwnedBy(cluster, owner, "du/existing-" + owner + "-");
            a.put(id, Payload.of(id, 1_000));
            for (BlockStore s : List.of(a, b))
                s.dump(List.of(id), new int[] {0}, List.of(ByteBuffer.wrap(Payload.of("other", 999)))).await();
            assertPayload(id, 1_000, b.get(id));
        }
    }

    @Test
    void loadOfAMissingBlockFailsTheTaskWithNotFoundWhileCheckNeverThrows() throws InterruptedException {
        a.put("ld/present", Payload.of("ld/present", 500));
        BlockTask t = b.load(List.of("ld/present", "ld/missing"), new int[] {0, 0},
            List.of(ByteBuffer.allocate(500), ByteBuffer.allocate(500)));
        awaitByPolling(t);
        assertTrue(t.check());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(KvGridException.class, t::await).code());
        assertEquals(ErrorCode.NOT_FOUND, assertThrows(KvGridException.class,
            () -> t.await(Duration.ofSeconds(5))).code());
        assertFalse(a.exists("ld/missing"));
    }

    @Test
    void loadIntoABufferThatIsTooSmallFailsWithBufferTooSmallAndWritesNothing() {
        a.put("ld/big", Payload.of("ld/big", 4_000));
        ByteBuffer small = ByteBuffer.allocateDirect(3_999);
        KvGridException e = assertThrows(KvGridException.class,
            () -> b.load(List.of("ld/big"), new int[] {0}, List.of(small)).await());
        assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
        assertEquals(0, small.position());
        assertArrayEquals(new byte[3_999], Payload.bytes(small, 3_999));
        assertPayload("ld/big", 4_000, a.get("ld/big"));
    }

    @Test
    void aFailedDumpStoresNothing() {
        ByteBuffer huge = ByteBuffer.allocate(MAX_BLOCK + 1);
        KvGridException e = assertThrows(KvGridException.class,
            () -> a.dump(List.of("du/huge"), new int[] {0}, List.of(huge)).await());
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertFalse(b.exists("du/huge"));
        assertEquals(List.of(), b.listKeys("du/huge"));
    }
}
