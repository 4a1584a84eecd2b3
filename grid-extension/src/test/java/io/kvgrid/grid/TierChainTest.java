package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.TierStoreFactory;
import io.kvgrid.testing.MemoryTierStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kvgrid.grid.ChainFixture.block;
import static io.kvgrid.grid.ChainFixture.crc;
import static org.junit.jupiter.api.Assertions.*;

/** The factory: chains built from {@code KvGridConfiguration.tiers}, and how their parts work together. */
@Timeout(60)
class TierChainTest {
    private final List<MemoryTierStore> opened = new ArrayList<>();
    private final List<String> dropped = new CopyOnWriteArrayList<>();
    private final TierChain.Node node = new TierChain.Node() {
        @Override
        public String nodeId() {
            return "node-a";
        }

        @Override
        public void dropped(String key) {
            dropped.add(key);
        }
    };

    private TierStoreFactory tier(long capacity) {
        return ctx -> {
            MemoryTierStore t = new MemoryTierStore(ctx, capacity);
            opened.add(t);
            return t;
        };
    }

    @Test
    void tiersBeforeMemoryGoAboveItAndTiersAfterItBelow() {
        TierStoreFactory gpu = tier(100);
        TierStoreFactory ssd = tier(100);
        TierStoreFactory ssd2 = tier(100);
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setTiers(List.of(gpu, "memory", ssd, ssd2));
        assertEquals(List.of(gpu), TierChain.above(cfg));
        assertEquals(List.of(ssd, ssd2), TierChain.below(cfg));
        cfg.setTiers(List.of("memory"));
        assertTrue(TierChain.above(cfg).isEmpty());
        assertTrue(TierChain.below(cfg).isEmpty());
    }

    @Test
    void twoTiersBelowMemoryShareTheWorkAndBlocksLeaveOnlyFromTheLast() {
        NodeStore chain = TierChain.build(List.of(tier(200), tier(200)), node, k -> true, () -> { });
        for (String k : List.of("a", "b", "c", "d", "e")) {
            byte[] b = block(k, 100);
            assertTrue(chain.put(k, b, crc(b)));
        }
        // 5 blocks, 2 + 2 fit: "a" went down to the second tier, then out of it.
        assertTrue(opened.get(0).holds("d") && opened.get(0).holds("e"));
        assertTrue(opened.get(1).holds("b") && opened.get(1).holds("c"));
        assertNull(chain.get("a"));
        for (String k : List.of("b", "c", "d", "e"))
            assertArrayEquals(block(k, 100), chain.get(k), "every block still in the chain reads back");
        assertTrue(dropped.contains("a"));
        assertEquals(2, chain.tiers().size());
    }

    @Test
    void theGuardKeepsLeasedBlocksInEveryTier() {
        Set<String> leased = Set.of("a");
        NodeStore chain = TierChain.build(List.of(tier(100)), node, k -> !leased.contains(k), () -> { });
        byte[] a = block("a", 100);
        byte[] b = block("b", 100);
        assertTrue(chain.put("a", a, crc(a)));
        assertFalse(chain.put("b", b, crc(b)), "the leased block may not make room");
        assertArrayEquals(a, chain.get("a"));
    }

    @Test
    void aDamagedCopyIsCountedAndDropped() {
        AtomicInteger mismatches = new AtomicInteger();
        NodeStore chain = TierChain.build(List.of(tier(1000)), node, k -> true, mismatches::incrementAndGet);
        byte[] a = block("a", 100);
        chain.put("a", a, crc(a));
        opened.get(0).damage("a");
        KvGridException e = assertThrows(KvGridException.class, () -> chain.get("a"));
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
        assertEquals(1, mismatches.get());
        assertFalse(opened.get(0).holds("a"));
    }

    @Test
    void aFactoryThatOpensNoTierHereIsLeftOut() {
        assertNull(TierChain.build(List.of(ctx -> null), node, k -> true, () -> { }));
        NodeStore chain = TierChain.build(List.of(ctx -> null, tier(100)), node, k -> true, () -> { });
        assertEquals(1, chain.tiers().size());
    }

    @Test
    void aTierThatFailsToOpenClosesTheOnesOpenedBefore() {
        TierStoreFactory broken = ctx -> {
            throw new IllegalStateException("disk gone");
        };
        KvGridException e = assertThrows(KvGridException.class,
            () -> TierChain.build(List.of(tier(100), broken), node, k -> true, () -> { }));
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertTrue(opened.get(0).closed());
    }
}
