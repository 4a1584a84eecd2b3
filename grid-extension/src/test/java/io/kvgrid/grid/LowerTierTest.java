package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.PutOptions;
import io.kvgrid.Tier;
import io.kvgrid.testing.MemoryTierStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The grid's side of a lower tier, against an in-memory tier: where evicted bytes go and how they come back. */
@Timeout(600)
class LowerTierTest {
    private static final int SIZE = 64 * 1024;
    private final Map<String, MemoryTierStore> tiers = new ConcurrentHashMap<>();
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private KvGridConfiguration config(long tierBytes) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTicker(clock::get);
        cfg.setDefaultReplicas(1);
        cfg.setTiers(java.util.List.of(io.kvgrid.KvGridConfiguration.MEMORY, (io.kvgrid.TierStoreFactory) ctx -> tiers.compute(ctx.nodeId(), (id, old) -> old != null ? reopened(old, ctx, tierBytes)
            : new MemoryTierStore(ctx, tierBytes))));
        return cfg;
    }

    /** A restarted node gets its old tier contents back under a new context. */
    private static MemoryTierStore reopened(MemoryTierStore old, io.kvgrid.TierContext ctx, long bytes) {
        MemoryTierStore t = new MemoryTierStore(ctx, bytes);
        old.forEachKey(k -> t.put(k, java.nio.ByteBuffer.wrap(old.get(k)), (int) old.checksum(k)));
        return t;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void evictEverything(TestCluster c, long now) {
        for (int i = 0; i < c.size(); i++)
            KvGridRuntime.governor(c.node(i).ignite()).evict(Long.MAX_VALUE, now);
    }

    @Test
    void evictedBlocksSpillToTheLowerTierAndStayReadableFromEveryNode() {
        try (TestCluster c = TestCluster.start(2, config(64L << 20))) {
            BlockStore s = c.store(0);
            for (int i = 0; i < 20; i++)
                s.put("sp-" + i, Payload.of("sp-" + i, SIZE));
            clock.addAndGet(60_000);
            evictEverything(c, clock.get());
            long spilled = tiers.values().stream().mapToLong(MemoryTierStore::usedBytes).sum();
            assertEquals(20L * SIZE, spilled, "every evicted byte went to a lower tier");
            for (int i = 0; i < 20; i++) {
                String k = "sp-" + i;
                assertTrue(s.exists(k));
                assertEquals(Set.of(Tier.SSD), c.store(1).query(k).orElseThrow().tiers());
                Payload.assertPayload(k, SIZE, c.store(i % 2).get(k));
            }
            assertEquals(20, s.lookupOnPrefixLength(List.of("sp-0", "sp-1", "sp-2", "sp-3", "sp-4", "sp-5", "sp-6",
                "sp-7", "sp-8", "sp-9", "sp-10", "sp-11", "sp-12", "sp-13", "sp-14", "sp-15", "sp-16", "sp-17",
                "sp-18", "sp-19")));
        }
    }

    @Test
    void aBlockReadFromTheLowerTierTwiceIsPromotedBackIntoMemory() {
        try (TestCluster c = TestCluster.start(1, config(64L << 20))) {
            BlockStore s = c.store(0);
            s.put("pr", Payload.of("pr", SIZE));
            clock.addAndGet(60_000);
            evictEverything(c, clock.get());
            assertEquals(Set.of(Tier.SSD), s.query("pr").orElseThrow().tiers());
            Payload.assertPayload("pr", SIZE, s.get("pr"));
            assertEquals(Set.of(Tier.SSD), s.query("pr").orElseThrow().tiers(), "one read is below the threshold");
            Payload.assertPayload("pr", SIZE, s.get("pr"));
            Set<Tier> tiersNow = Set.of();
            for (int i = 0; i < 200 && !tiersNow.contains(Tier.MEMORY); i++) {
                sleep(10); // promotion runs on the store's task pool
                tiersNow = s.query("pr").orElseThrow().tiers();
            }
            assertEquals(Set.of(Tier.MEMORY, Tier.SSD), tiersNow);
            Payload.assertPayload("pr", SIZE, s.get("pr"));
            assertEquals(1, c.node(0).ignite().cache("kvgrid-data-r1").size(), "payload back in memory");
        }
    }

    @Test
    void removingABlockRemovesItsLowerTierCopy() {
        try (TestCluster c = TestCluster.start(1, config(64L << 20))) {
            BlockStore s = c.store(0);
            s.put("rm", Payload.of("rm", SIZE));
            clock.addAndGet(60_000);
            evictEverything(c, clock.get());
            MemoryTierStore t = tiers.values().iterator().next();
            assertTrue(t.contains("rm"));
            s.remove("rm", true);
            assertFalse(t.contains("rm"));
            assertFalse(s.exists("rm"));
        }
    }

    @Test
    void aBlockTheLowerTierDropsForRoomIsNoLongerClaimedByMetadata() {
        try (TestCluster c = TestCluster.start(1, config(3L * SIZE))) {
            BlockStore s = c.store(0);
            for (int i = 0; i < 5; i++) {
                clock.incrementAndGet();
                s.put("lru-" + i, Payload.of("lru-" + i, SIZE));
            }
            clock.addAndGet(60_000);
            evictEverything(c, clock.get());
            // The tier holds 3 blocks: the two spilled first were dropped to make room.
            assertFalse(s.exists("lru-0"));
            assertFalse(s.exists("lru-1"));
            for (int i = 2; i < 5; i++)
                Payload.assertPayload("lru-" + i, SIZE, s.get("lru-" + i));
        }
    }

    @Test
    void aHardPinnedOrLeasedBlockIsNotDroppedByTheLowerTier() {
        try (TestCluster c = TestCluster.start(1, config(2L * SIZE))) {
            BlockStore s = c.store(0);
            s.put("keep", Payload.of("keep", SIZE));
            clock.addAndGet(60_000);
            evictEverything(c, clock.get());
            s.exists("keep"); // leased now, in the lower tier only
            for (int i = 0; i < 3; i++) {
                s.put("new-" + i, Payload.of("new-" + i, SIZE));
                clock.addAndGet(1);
            }
            evictEverything(c, clock.get() + 20_000);
            Payload.assertPayload("keep", SIZE, s.get("keep"));
        }
    }

    @Test
    void aRestartedNodeAnnouncesWhatItsLowerTierKept() {
        try (TestCluster c = TestCluster.start(0, config(64L << 20))) {
            c.addNode("stay");
            c.addNode("restarting");
            BlockStore s = c.store(0);
            for (int i = 0; i < 10; i++)
                s.put("rs-" + i, Payload.of("rs-" + i, SIZE), PutOptions.defaults());
            clock.addAndGet(60_000);
            evictEverything(c, clock.get());
            long onRestarting = tiers.get("restarting").usedBytes() / SIZE;
            assertTrue(onRestarting > 0, "some blocks spilled on the node that restarts");

            c.stopNode(1);
            long visible = -1;
            for (int round = 0; round < 100 && visible != 10 - onRestarting; round++) {
                sleep(20); // the departed node's records are cleared by the orphan cleaner, asynchronously
                visible = java.util.stream.IntStream.range(0, 10).filter(i -> s.query("rs-" + i).isPresent()).count();
            }
            assertEquals(10 - onRestarting, visible, "blocks of the stopped node's tier are not claimed");

            c.addNode("restarting");
            for (int i = 0; i < 10; i++)
                Payload.assertPayload("rs-" + i, SIZE, s.get("rs-" + i));
        }
    }
}
