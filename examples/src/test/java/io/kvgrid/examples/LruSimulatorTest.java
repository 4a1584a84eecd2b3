package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(600)
class LruSimulatorTest {
    @Test
    void aRequestHitsOnlyItsLongestCachedPrefix() {
        LruSimulator lru = new LruSimulator(10);
        assertEquals(0, lru.access(new long[] {1, 2, 3}));
        assertEquals(2, lru.access(new long[] {1, 2, 4}));
        assertEquals(0, lru.access(new long[] {9, 1, 2}), "a miss on the first block misses the request");
        assertEquals(3, lru.access(new long[] {9, 1, 2}));
    }

    @Test
    void theLeastRecentlyUsedBlockIsEvictedFirst() {
        LruSimulator lru = new LruSimulator(3);
        lru.access(new long[] {1, 2, 3});
        assertEquals(1, lru.access(new long[] {1}), "1 is now the most recent");
        lru.access(new long[] {4});                       // evicts 2, the least recent
        assertEquals(1, lru.evictions());
        assertEquals(1, lru.access(new long[] {1}));
        assertEquals(0, lru.access(new long[] {2}), "2 was evicted");    // dumps 2, evicting 3
        assertEquals(0, lru.access(new long[] {3}));
        assertEquals(3, lru.evictions());
    }

    @Test
    void aLookupTouchesCachedBlocksBeyondTheHitPrefix() {
        LruSimulator lru = new LruSimulator(3);
        lru.access(new long[] {1});
        lru.access(new long[] {2});
        lru.access(new long[] {3});
        assertEquals(0, lru.access(new long[] {7, 1}));   // 1 is touched although the request misses at 7
        // Dumping 7 evicted 2 (least recent), not 1.
        assertEquals(1, lru.access(new long[] {1}));
        assertEquals(0, lru.access(new long[] {2}));
    }

    @Test
    void aCapacityBelowOneBlockIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LruSimulator(0));
    }
}
