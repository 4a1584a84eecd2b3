package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static io.kvgrid.grid.ChainFixture.block;
import static io.kvgrid.grid.ChainFixture.crc;
import static org.junit.jupiter.api.Assertions.*;

/** Promotion into a fast store after N reads served from below. */
@Timeout(60)
class PromotingStoreTest {
    private final ChainFixture.Tier fast = ChainFixture.Tier.of(1 << 20);
    private final AtomicInteger promoted = new AtomicInteger();

    @Test
    void aBlockReadTwiceFromBelowComesUpOnTheSecondRead() {
        NodeStore s = new PromotingStore(fast.plugged(), 2, promoted::incrementAndGet);
        byte[] b = block("a", 512);
        s.hit("a", b, crc(b));
        assertFalse(fast.tier().holds("a"), "one read is not enough");
        assertNull(s.get("a"));
        s.hit("a", b, crc(b));
        assertArrayEquals(b, fast.tier().get("a"), "the fast store holds the block's bytes");
        assertArrayEquals(b, s.get("a"));
        assertEquals(1, promoted.get());
    }

    @Test
    void theThresholdIsConfigurable() {
        NodeStore s = new PromotingStore(fast.plugged(), 3, promoted::incrementAndGet);
        byte[] b = block("a", 64);
        s.hit("a", b, crc(b));
        s.hit("a", b, crc(b));
        assertFalse(fast.tier().holds("a"));
        s.hit("a", b, crc(b));
        assertTrue(fast.tier().holds("a"));
    }

    @Test
    void readsOfDifferentBlocksCountApartAndARemovalForgetsTheCount() {
        NodeStore s = new PromotingStore(fast.plugged(), 2, promoted::incrementAndGet);
        byte[] a = block("a", 64);
        byte[] b = block("b", 64);
        s.hit("a", a, crc(a));
        s.hit("b", b, crc(b));
        assertFalse(fast.tier().holds("a"));
        assertFalse(fast.tier().holds("b"));
        s.remove("a");
        s.hit("a", a, crc(a));
        assertFalse(fast.tier().holds("a"), "the count started again after the removal");
        s.hit("b", b, crc(b));
        assertTrue(fast.tier().holds("b"));
    }

    @Test
    void anExplicitPutGoesStraightIntoTheFastStore() {
        NodeStore s = new PromotingStore(fast.plugged(), 2, promoted::incrementAndGet);
        byte[] b = block("pinned", 64);
        assertTrue(s.put("pinned", b, crc(b)));
        assertArrayEquals(b, fast.tier().get("pinned"));
        assertEquals(0, promoted.get());
    }
}
