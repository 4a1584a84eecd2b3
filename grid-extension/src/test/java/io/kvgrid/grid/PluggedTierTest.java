package io.kvgrid.grid;

import io.kvgrid.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static io.kvgrid.grid.ChainFixture.block;
import static io.kvgrid.grid.ChainFixture.crc;
import static org.junit.jupiter.api.Assertions.*;

/** A configured tier behind the node-local store interface. */
@Timeout(60)
class PluggedTierTest {
    @Test
    void aPutLandsInTheTierByteForByteAndReadsBack() {
        ChainFixture.Tier t = ChainFixture.Tier.of(1 << 20);
        NodeStore s = t.plugged();
        byte[] b = block("a", 1000);
        assertTrue(s.put("a", b, crc(b)));
        assertArrayEquals(b, t.tier().get("a"), "the tier holds the bytes");
        assertArrayEquals(b, s.get("a"));
        assertEquals(1000, s.size("a"));
        assertEquals(crc(b) & 0xffffffffL, s.checksum("a"));
    }

    @Test
    void holdingNamesTheTierOnlyWhileItHasACopy() {
        ChainFixture.Tier t = ChainFixture.Tier.of(1 << 20);
        NodeStore s = t.plugged();
        byte[] b = block("a", 10);
        s.put("a", b, crc(b));
        assertEquals(Tier.SSD.bit(), s.holding("a"));
        assertTrue(s.remove("a"));
        assertEquals(0, s.holding("a"));
        assertNull(s.get("a"));
        assertFalse(t.tier().holds("a"));
    }

    @Test
    void aTierWithoutRoomRefusesThePutAndKeepsWhatItHas() {
        ChainFixture.Tier t = ChainFixture.Tier.of(100);
        NodeStore s = t.plugged();
        t.ctx().store = new GuardedStore(s, k -> false);
        byte[] a = block("a", 80);
        byte[] b = block("b", 80);
        assertTrue(s.put("a", a, crc(a)));
        assertFalse(s.put("b", b, crc(b)));
        List<String> keys = new ArrayList<>();
        s.forEachKey(keys::add);
        assertEquals(List.of("a"), keys);
        assertEquals(List.of(t.tier()), s.tiers());
    }
}
