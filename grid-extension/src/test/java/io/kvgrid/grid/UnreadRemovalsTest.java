package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.internal.IgniteEx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Payload rows removed without copying their values out: the node runs kvgrid's cache object processor, a removal
 * through it passes over the value of each row spanning pages and frees as many pages as Ignite's own removal, the
 * rows left keep their bytes, and reads after it (on the same thread, after a removal that failed too) read whole.
 */
@Timeout(300)
class UnreadRemovalsTest {
    private static TestCluster cluster;
    private static Ignite ignite;
    private static IgniteCache<String, byte[]> data;
    private static String region;

    @BeforeAll
    static void startNode() {
        cluster = GridTests.cluster(1, TestCluster.smallConfig());
        KvGridConfiguration cfg = TestCluster.smallConfig();
        ignite = cluster.node(0).ignite();
        data = ignite.cache(GridCaches.dataCache(cfg, cfg.getDefaultReplicas()));
        region = cfg.getDataRegionName();
    }

    @AfterAll
    static void stopNode() {
        if (cluster != null)
            cluster.close();
    }

    private static long usedPages() {
        return ignite.dataRegionMetrics(region).getTotalUsedPages();
    }

    /** Stores {@code n} rows of 200,000 bytes and more (13 pages of 16 KiB and more), named from {@code prefix}. */
    private static Set<String> store(String prefix, int n) {
        Set<String> keys = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            String key = prefix + i;
            PayloadAccess.put(data, key, Payload.of(key, 200_000 + 997 * i));
            keys.add(key);
        }
        return keys;
    }

    @Test
    void theNodeRunsKvgridsCacheObjectProcessor() {
        assertInstanceOf(UnreadRemovals.class, ((IgniteEx) ignite).context().cacheObjects());
    }

    @Test
    void rowsRemovedThroughItArePassedOverAndTheirPagesFreedAsIgnitesOwnRemovalFreesThem() {
        // Twice the same rows: removed Ignite's way, then through kvgrid's processor; each time the region's pages in
        // use come back to what they were before the rows were stored.
        long seen = UnreadRemovals.valuesPassedOver();
        long empty = usedPages();
        Set<String> keys = store("unread/rows-", 12);
        long stored = usedPages() - empty;
        data.removeAll(keys);
        long leftPlain = usedPages() - empty;
        assertEquals(seen, UnreadRemovals.valuesPassedOver(), "a plain removeAll reads its rows as Ignite does");

        keys = store("unread/rows-", 12);
        Set<String> kept = store("unread/kept-", 6);
        long keptPages = usedPages() - empty - stored;
        UnreadRemovals.remove(data, keys);
        assertEquals(12, UnreadRemovals.valuesPassedOver() - seen, "every removed value was passed over");
        assertTrue(stored >= 12 * 12, "12 rows of 12 pages and more: " + stored);
        assertEquals(leftPlain + keptPages, usedPages() - empty, "pages in use after the removal passing values "
            + "over, against Ignite's own (" + stored + " pages stored)");
        for (String k : keys) {
            assertFalse(data.containsKey(k), k);
            assertNull(data.get(k), k);
        }
        for (String k : kept) // read on this thread, after the removal
            assertPayload(k, 200_000 + 997 * Integer.parseInt(k.substring(k.lastIndexOf('-') + 1)), data.get(k));
        UnreadRemovals.remove(data, kept);
        long left = usedPages() - empty;
        // What stays is Ignite's own (tree pages the 18 keys grew), far less than the kept rows' 6 x 12 pages and more.
        assertTrue(left >= leftPlain && left <= leftPlain + 2, "pages in use once the kept rows are gone too: " + left
            + ", after the plain removal " + leftPlain);
    }

    @Test
    void aCacheWithAContinuousQueryHasItsRowsRemovedIgnitesWayAndTheListenerSeesTheOldValues() throws Exception {
        String key = "unread/watched";
        PayloadAccess.put(data, key, Payload.of(key, 300_000));
        java.util.List<byte[]> old = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.apache.ignite.cache.query.ContinuousQuery<String, byte[]> q = new org.apache.ignite.cache.query.ContinuousQuery<>();
        q.setIncludeExpired(false);
        q.setLocalListener(events -> events.forEach(e -> {
            if (e.getEventType() == javax.cache.event.EventType.REMOVED)
                old.add(e.getOldValue());
        }));
        long seen = UnreadRemovals.valuesPassedOver();
        try (var ignored = data.query(q)) {
            UnreadRemovals.remove(data, Set.of(key));
            for (int i = 0; i < 100 && old.isEmpty(); i++)
                Thread.sleep(50); // the listener is notified on Ignite's threads
        }
        assertEquals(seen, UnreadRemovals.valuesPassedOver(), "read Ignite's way while a query listens");
        assertFalse(data.containsKey(key));
        assertEquals(1, old.size());
        assertPayload(key, 300_000, old.get(0));

        String next = "unread/unwatched";
        PayloadAccess.put(data, next, Payload.of(next, 300_000));
        UnreadRemovals.remove(data, Set.of(next));
        assertEquals(seen + 1, UnreadRemovals.valuesPassedOver(), "passed over again once the query closed");
    }

    @Test
    void aRemovalThatFailsLeavesTheThreadReadingWholeValues() {
        String key = "unread/after-failure";
        PayloadAccess.put(data, key, Payload.of(key, 300_000));
        Set<String> withNull = new HashSet<>(List.of(key));
        withNull.add(null);
        long seen = UnreadRemovals.valuesPassedOver();
        assertThrows(RuntimeException.class, () -> UnreadRemovals.remove(data, withNull));
        assertPayload(key, 300_000, data.get(key));
        List<String> keys = new ArrayList<>(List.of(key));
        assertPayload(key, 300_000, data.getAll(new HashSet<>(keys)).get(key));
        assertEquals(seen, UnreadRemovals.valuesPassedOver(), "nothing passed over");
        data.remove(key);
    }

    @Test
    void aValueIsPassedOverExactlyWhereverItsFragmentsSplitItsHead() {
        byte[] bytes = new byte[23];
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            // The value, then what follows it in the row (its version), which must be left to be read.
            ByteBuffer row = ByteBuffer.allocate(5 + bytes.length + 3).order(order);
            row.putInt(bytes.length).put((byte) 2).put(bytes).put((byte) 7).put((byte) 8).put((byte) 9).flip();
            int end = 5 + bytes.length;
            for (int first = 0; first <= end; first++)
                for (int second = first; second <= end; second++) {
                    UnreadRemovals.PassedOver v = new UnreadRemovals.PassedOver();
                    ByteBuffer last = null;
                    for (int[] cut : new int[][] {{0, first}, {first, second}, {second, row.limit()}}) {
                        assertFalse(v.isReady() && cut[0] < end, "ready before its last byte");
                        last = row.duplicate().order(order).position(cut[0]).limit(cut[1]);
                        v.readData(last);
                    }
                    String at = order + " cut at " + first + ", " + second;
                    assertTrue(v.isReady(), at);
                    assertEquals(2, v.type(), at);
                    assertEquals(end, last.position(), "the bytes after the value are left: " + at);
                    assertEquals(0, ((byte[]) v.object().value(null, false)).length, at);
                }
        }
    }
}
