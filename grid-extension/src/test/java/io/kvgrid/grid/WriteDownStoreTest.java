package io.kvgrid.grid;

import io.kvgrid.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static io.kvgrid.grid.ChainFixture.block;
import static io.kvgrid.grid.ChainFixture.crc;
import static org.junit.jupiter.api.Assertions.*;

/** Two stores, one above the other: writes, reads and blocks written down when the upper one drops them. */
@Timeout(60)
class WriteDownStoreTest {
    private final ChainFixture.Tier upper = ChainFixture.Tier.of(200);
    private final ChainFixture.Tier lower = ChainFixture.Tier.of(1000);
    private final java.util.List<String> moved = new java.util.ArrayList<>();
    private final NodeStore s = new WriteDownStore(upper.plugged(), lower.plugged(), moved::add);

    {
        upper.ctx().store = s;
        lower.ctx().store = lower.plugged();
    }

    private static void put(NodeStore s, String key, int size) {
        byte[] b = block(key, size);
        assertTrue(s.put(key, b, crc(b)), "stored " + key);
    }

    @Test
    void aPutLandsInTheUpperStoreOnly() {
        put(s, "a", 100);
        assertTrue(upper.tier().holds("a"));
        assertFalse(lower.tier().holds("a"));
        assertArrayEquals(block("a", 100), s.get("a"));
    }

    @Test
    void aBlockTheUpperStoreDropsForRoomIsWrittenDownAndStillReadable() {
        put(s, "a", 100);
        put(s, "b", 100);
        put(s, "c", 100);
        assertFalse(upper.tier().holds("a"), "the oldest block left the upper store");
        assertArrayEquals(block("a", 100), lower.tier().get("a"), "and went down, byte for byte");
        assertArrayEquals(block("a", 100), s.get("a"));
        assertEquals(Tier.SSD.bit(), s.holding("a"));
        assertTrue(upper.ctx().dropped.isEmpty(), "the block was moved, not dropped");
        assertTrue(moved.isEmpty(), "same kind of tier below: the record needs no change");
    }

    @Test
    void aBlockTooBigForTheUpperStoreGoesStraightDown() {
        put(s, "big", 500);
        assertFalse(upper.tier().holds("big"));
        assertArrayEquals(block("big", 500), lower.tier().get("big"));
        assertArrayEquals(block("big", 500), s.get("big"));
    }

    @Test
    void aNewCopyAboveReplacesTheOlderOneBelowAndRemovalClearsBoth() {
        put(s, "big", 500);
        byte[] small = block("big-v2", 50);
        assertTrue(s.put("big", small, crc(small)));
        assertFalse(lower.tier().holds("big"), "the older copy below is gone");
        assertArrayEquals(small, s.get("big"));
        put(s, "a", 100);
        put(s, "b", 100);
        put(s, "c", 100); // writes "big" (v2) down
        assertTrue(s.remove("big"));
        assertEquals(0, s.holding("big"));
        assertNull(s.get("big"));
    }
}
