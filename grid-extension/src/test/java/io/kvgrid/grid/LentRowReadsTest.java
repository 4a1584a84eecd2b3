package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payload rows read from the pages into lent buffers (the block channel's GETs), heap or direct: the bytes are the
 * stored ones, whatever the size and however the row is split between pages, buffers go back to the pool and are
 * reused, and a row within one page, an absent key, or a value split anywhere in its head read as they should.
 */
@Timeout(300)
class LentRowReadsTest {
    private static TestCluster cluster;
    private static IgniteCache<String, byte[]> data;

    @BeforeAll
    static void startNode() {
        cluster = GridTests.cluster(1, TestCluster.smallConfig());
        KvGridConfiguration cfg = TestCluster.smallConfig();
        data = cluster.node(0).ignite().cache(GridCaches.dataCache(cfg, cfg.getDefaultReplicas()));
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null)
            cluster.close();
    }

    private static Map<String, ByteBuffer> readLent(List<String> keys, LentBuffers.Loan loan) {
        Map<String, Object> got = new HashMap<>();
        assertEquals(keys.size(), PayloadAccess.readLending(data, keys, got, k -> loan));
        Map<String, ByteBuffer> out = new HashMap<>();
        got.forEach((k, v) -> out.put(k, (ByteBuffer) v));
        return out;
    }

    /** The bytes from {@code b}'s position to its limit (left as they were). */
    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @ParameterizedTest(name = "direct buffers: {0}")
    @ValueSource(booleans = {false, true})
    void rowsSpanningPagesAreReadIntoLentBuffersWithTheirStoredBytes(boolean direct) {
        // 16 KiB pages; sizes one byte apart move where each row's fragments, and its value's head, fall in the pages.
        List<String> keys = new ArrayList<>();
        Map<String, Integer> sizes = new HashMap<>();
        long total = 0;
        for (int i = 0; i < 40; i++) {
            int size = i < 20 ? 40_000 + i : (1 << 20) + i - 20;
            String key = "lent/span-" + i;
            keys.add(key);
            sizes.put(key, size);
            total += size;
            PayloadAccess.put(data, key, Payload.of(key, size));
        }
        LentBuffers pool = new LentBuffers(64L << 20, direct);
        try (LentBuffers.Loan loan = pool.lend()) {
            Map<String, ByteBuffer> out = readLent(keys, loan);
            for (String k : keys) {
                assertEquals(direct, out.get(k).isDirect(), k);
                assertEquals(0, out.get(k).position(), k);
                assertPayload(k, sizes.get(k), bytes(out.get(k)));
            }
        }
        assertEquals(total, pool.keptBytes(), "every payload was read into a buffer of the loan, all given back");
    }

    @Test
    void aBufferGivenBackIsLentAgainAndFilledWithTheNextPayloadWhole() {
        String a = "lent/again-a";
        String b = "lent/again-b";
        int size = 300_000;
        PayloadAccess.put(data, a, Payload.of(a, size));
        PayloadAccess.put(data, b, Payload.of(b, size));
        LentBuffers pool = new LentBuffers(8L << 20, true);
        ByteBuffer first;
        try (LentBuffers.Loan loan = pool.lend()) {
            first = readLent(List.of(a), loan).get(a);
            assertPayload(a, size, bytes(first));
            while (first.hasRemaining())
                first.put((byte) 0x5a); // what a reader may leave in a buffer it is done with
        }
        try (LentBuffers.Loan loan = pool.lend()) {
            ByteBuffer second = readLent(List.of(b), loan).get(b);
            assertSame(first, second, "the buffer given back is the one lent next");
            assertPayload(b, size, bytes(second));
        }
    }

    @Test
    void aRowWithinOnePageAndAnAbsentKeyBorrowNothing() {
        String small = "lent/small";
        PayloadAccess.put(data, small, Payload.of(small, 100));
        LentBuffers pool = new LentBuffers(8L << 20, true);
        Map<String, Object> out = new HashMap<>();
        try (LentBuffers.Loan loan = pool.lend()) {
            assertEquals(1, PayloadAccess.readLending(data, List.of(small, "lent/never-stored"), out, k -> loan));
        }
        assertPayload(small, 100, (byte[]) out.get(small));
        assertFalse(out.containsKey("lent/never-stored"));
        assertEquals(0, pool.keptBytes(), "nothing was lent, so nothing came back");
    }

    @Test
    void theLentReadAndIgnitesOwnReadReturnTheSameBytes() {
        String key = "lent/same";
        PayloadAccess.put(data, key, Payload.of(key, 5_000_000));
        Map<String, byte[]> own = new HashMap<>();
        PayloadAccess.read(data, List.of(key), own);
        LentBuffers pool = new LentBuffers(8L << 20, true);
        try (LentBuffers.Loan loan = pool.lend()) {
            byte[] lent = bytes(readLent(List.of(key), loan).get(key));
            assertArrayEquals(own.get(key), lent);
            assertArrayEquals(data.get(key), lent);
        }
        assertEquals(5_000_000, pool.keptBytes(), "read into the loan's buffer");
    }

    @Test
    void aValueIsReadWholeWhereverItsFragmentsSplitItsHead() {
        byte[] bytes = new byte[23];
        for (int i = 0; i < bytes.length; i++)
            bytes[i] = (byte) (i * 7 + 1);
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            ByteBuffer row = ByteBuffer.allocate(5 + bytes.length).order(order);
            row.putInt(bytes.length).put((byte) 2).put(bytes).flip();
            for (int first = 0; first <= row.limit(); first++)
                for (int second = first; second <= row.limit(); second++) {
                    LentRowReads.LentValue v = new LentRowReads.LentValue(ByteBuffer::allocate);
                    for (int[] cut : new int[][] {{0, first}, {first, second}, {second, row.limit()}}) {
                        assertFalse(v.isReady() && cut[1] > cut[0], "ready before its last byte");
                        v.readData(row.duplicate().order(order).position(cut[0]).limit(cut[1]));
                    }
                    assertTrue(v.isReady(), order + " cut at " + first + ", " + second);
                    assertEquals(2, v.type());
                    assertArrayEquals(bytes, v.buffer().array(), order + " cut at " + first + ", " + second);
                }
        }
    }
}
