package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Set;

import static io.kvgrid.grid.ChainFixture.block;
import static io.kvgrid.grid.ChainFixture.crc;
import static org.junit.jupiter.api.Assertions.*;

/** Leases and pins decide what a tier may drop to make room. */
@Timeout(60)
class GuardedStoreTest {
    private static void put(NodeStore s, String key, int size) {
        byte[] b = block(key, size);
        assertTrue(s.put(key, b, crc(b)), "stored " + key);
    }

    @Test
    void aLeasedBlockStaysAndTheTierDropsTheNextOldestInstead() {
        ChainFixture.Tier t = ChainFixture.Tier.of(300);
        Set<String> leased = Set.of("a");
        NodeStore s = new GuardedStore(t.plugged(), k -> !leased.contains(k));
        t.ctx().store = s;
        put(s, "a", 100);
        put(s, "b", 100);
        put(s, "c", 100);
        put(s, "d", 100);
        assertTrue(t.tier().holds("a"), "leased block kept");
        assertFalse(t.tier().holds("b"), "the oldest block that may go went");
        assertArrayEquals(block("a", 100), s.get("a"));
        assertArrayEquals(block("d", 100), s.get("d"));
        assertEquals(List.of("b"), t.ctx().dropped);
    }

    @Test
    void whenNothingMayGoTheNewBlockIsRefusedAndNothingIsDropped() {
        ChainFixture.Tier t = ChainFixture.Tier.of(200);
        NodeStore s = new GuardedStore(t.plugged(), k -> false);
        t.ctx().store = s;
        put(s, "a", 100);
        put(s, "b", 100);
        byte[] c = block("c", 100);
        assertFalse(s.put("c", c, crc(c)));
        assertTrue(t.tier().holds("a"));
        assertTrue(t.tier().holds("b"));
        assertTrue(t.ctx().dropped.isEmpty());
    }

    @Test
    void theGuardIsAskedAfterTheRulesOfTheStoresInsideIt() {
        ChainFixture.Tier t = ChainFixture.Tier.of(100);
        NodeStore s = new GuardedStore(new GuardedStore(t.plugged(), k -> false), k -> true);
        assertFalse(s.mayDrop("x"), "an inner rule that keeps the block wins");
        assertTrue(new GuardedStore(t.plugged(), k -> true).mayDrop("x"));
    }
}
