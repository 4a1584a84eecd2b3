package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payload rows read from the pages into lent arrays (the block channel's GETs): the bytes are the stored ones, whatever
 * the size and however the row is split between pages, arrays go back to the pool and are reused, and a row within one
 * page, an absent key, or a value split anywhere in its head read as they should.
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

    private static Map<String, byte[]> readLent(List<String> keys, LentArrays.Loan loan) {
        Map<String, byte[]> out = new HashMap<>();
        assertEquals(keys.size(), PayloadAccess.read(data, keys, out, loan));
        return out;
    }

    @Test
    void rowsSpanningPagesAreReadIntoLentArraysWithTheirStoredBytes() {
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
        LentArrays pool = new LentArrays(64L << 20);
        try (LentArrays.Loan loan = pool.lend()) {
            Map<String, byte[]> out = readLent(keys, loan);
            for (String k : keys)
                assertPayload(k, sizes.get(k), out.get(k));
        }
        assertEquals(total, pool.keptBytes(), "every payload was read into an array of the loan, all given back");
    }

    @Test
    void anArrayGivenBackIsLentAgainAndFilledWithTheNextPayloadWhole() {
        String a = "lent/again-a";
        String b = "lent/again-b";
        int size = 300_000;
        PayloadAccess.put(data, a, Payload.of(a, size));
        PayloadAccess.put(data, b, Payload.of(b, size));
        LentArrays pool = new LentArrays(8L << 20);
        byte[] first;
        try (LentArrays.Loan loan = pool.lend()) {
            first = readLent(List.of(a), loan).get(a);
            assertPayload(a, size, first);
            Arrays.fill(first, (byte) 0x5a); // what a reader may leave in an array it is done with
        }
        try (LentArrays.Loan loan = pool.lend()) {
            byte[] second = readLent(List.of(b), loan).get(b);
            assertSame(first, second, "the array given back is the one lent next");
            assertPayload(b, size, second);
        }
    }

    @Test
    void aRowWithinOnePageAndAnAbsentKeyBorrowNothing() {
        String small = "lent/small";
        PayloadAccess.put(data, small, Payload.of(small, 100));
        LentArrays pool = new LentArrays(8L << 20);
        Map<String, byte[]> out = new HashMap<>();
        try (LentArrays.Loan loan = pool.lend()) {
            assertEquals(1, PayloadAccess.read(data, List.of(small, "lent/never-stored"), out, loan));
        }
        assertPayload(small, 100, out.get(small));
        assertFalse(out.containsKey("lent/never-stored"));
        assertEquals(0, pool.keptBytes(), "nothing was lent, so nothing came back");
    }

    @Test
    void theLentReadAndIgnitesOwnReadReturnTheSameBytes() {
        String key = "lent/same";
        PayloadAccess.put(data, key, Payload.of(key, 5_000_000));
        Map<String, byte[]> own = new HashMap<>();
        PayloadAccess.read(data, List.of(key), own);
        LentArrays pool = new LentArrays(8L << 20);
        try (LentArrays.Loan loan = pool.lend()) {
            byte[] lent = readLent(List.of(key), loan).get(key);
            assertNotSame(own.get(key), lent);
            assertArrayEquals(own.get(key), lent);
            assertArrayEquals(data.get(key), lent);
        }
        assertEquals(5_000_000, pool.keptBytes(), "read into the loan's array");
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
                    LentRowReads.LentValue v = new LentRowReads.LentValue(byte[]::new);
                    for (int[] cut : new int[][] {{0, first}, {first, second}, {second, row.limit()}}) {
                        assertFalse(v.isReady() && cut[1] > cut[0], "ready before its last byte");
                        v.readData(row.duplicate().order(order).position(cut[0]).limit(cut[1]));
                    }
                    assertTrue(v.isReady(), order + " cut at " + first + ", " + second);
                    assertEquals(2, v.type());
                    assertArrayEquals(bytes, v.array(), order + " cut at " + first + ", " + second);
                }
        }
    }

    @Test
    void thePoolKeepsNoMoreThanItsBoundAndMakesRoomForTheLengthsReadNow() {
        LentArrays pool = new LentArrays(3_000);
        try (LentArrays.Loan loan = pool.lend()) {
            for (int i = 0; i < 4; i++)
                assertEquals(1_000, loan.apply(1_000).length);
        }
        assertEquals(3_000, pool.keptBytes(), "three of four kept: the fourth would pass the bound");
        try (LentArrays.Loan loan = pool.lend()) {
            loan.apply(700);
        }
        assertEquals(2_700, pool.keptBytes(), "a kept array of another length made room for it");
        try (LentArrays.Loan loan = pool.lend()) {
            assertEquals(700, loan.apply(700).length);
            assertEquals(1_000, loan.apply(1_000).length);
        }
        assertEquals(2_700, pool.keptBytes(), "the same arrays lent and given back");
        try (LentArrays.Loan loan = pool.lend()) {
            byte[] big = loan.apply(5_000);
            assertEquals(5_000, big.length);
        }
        assertEquals(2_700, pool.keptBytes(), "an array over the whole bound is never kept");
    }

    @Test
    void thePoolKeepsArraysOfAtMostItsNumberOfLengths() {
        LentArrays pool = new LentArrays(1L << 20);
        try (LentArrays.Loan loan = pool.lend()) {
            for (int length = 1; length <= LentArrays.MAX_LENGTHS + 10; length++)
                loan.apply(length);
        }
        long firstLengths = (long) LentArrays.MAX_LENGTHS * (LentArrays.MAX_LENGTHS + 1) / 2;
        assertEquals(firstLengths, pool.keptBytes(), "the first lengths kept, the rest left to the collector");
    }

    @Test
    void anArrayOfALengthPastTheBoundOnLengthsTakesNoRoomFromTheKeptOnes() {
        long firstLengths = (long) LentArrays.MAX_LENGTHS * (LentArrays.MAX_LENGTHS + 1) / 2;
        LentArrays pool = new LentArrays(firstLengths); // full once the first lengths are back
        try (LentArrays.Loan loan = pool.lend()) {
            for (int length = 1; length <= LentArrays.MAX_LENGTHS; length++)
                loan.apply(length);
        }
        try (LentArrays.Loan loan = pool.lend()) {
            loan.apply(1_000);
        }
        assertEquals(firstLengths, pool.keptBytes(), "the kept arrays stay: the new length is not kept anyway");
    }
}
