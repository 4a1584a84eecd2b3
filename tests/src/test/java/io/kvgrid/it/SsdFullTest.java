package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.Tier;
import io.kvgrid.grid.Governors;
import io.kvgrid.ssd.SsdTierFactory;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An SSD tier that holds four blocks, behind a real node: when it is full the least recently used blocks go, leased
 * ones stay while the lease lasts, hard-pinned ones never leave memory, and metadata follows every drop.
 */
@Timeout(600)
class SsdFullTest {
    private static final int BLOCK = 256 * 1024;
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    @Test
    void aFullSsdTierDropsItsLeastRecentlyUsedBlocksButKeepsLeasedAndHardPinnedOnes(
        @TempDir(factory = BuildDirTempDirs.class) Path dir) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDefaultReplicas(1);
        cfg.setTicker(clock::get);
        cfg.setTiers(java.util.List.of(io.kvgrid.KvGridConfiguration.MEMORY, new SsdTierFactory().setDirectory(dir.toString()).setCapacityBytes(4L * BLOCK)));
        try (TestCluster c = TestCluster.start(1, cfg)) {
            BlockStore s = c.store(0);
            put(s, "pinned", PutOptions.builder().hardPin().build());
            put(s, "held", PutOptions.defaults());
            for (int i = 0; i < 3; i++)
                put(s, "b-" + i, PutOptions.defaults());
            clock.addAndGet(60_000);
            Governors.evictAll(c.node(0), clock.get());
            // Spilled oldest first: SSD order held, b-0, b-1, b-2 and the tier is full.
            for (String k : List.of("held", "b-0", "b-1", "b-2"))
                assertEquals(Set.of(Tier.SSD), s.query(k).orElseThrow().tiers(), k);
            assertEquals(Set.of(Tier.MEMORY), s.query("pinned").orElseThrow().tiers(), "hard pins stay in memory");

            Payload.assertPayload("b-0", BLOCK, s.get("b-0")); // now the most recently used SSD block
            clock.addAndGet(20_000); // ... and its read lease is over again
            assertTrue(s.exists("held")); // leased for the next 10 s: the SSD tier must keep it
            put(s, "b-3", PutOptions.defaults());
            put(s, "b-4", PutOptions.defaults());
            Governors.evictAll(c.node(0), clock.get());

            assertAbsent(s, "b-1");
            assertAbsent(s, "b-2");
            for (String k : List.of("held", "b-0", "b-3", "b-4"))
                assertEquals(Set.of(Tier.SSD), s.query(k).orElseThrow().tiers(), k + " kept on SSD");

            // Once its lease is over, the leased block is just the least recently used one.
            clock.addAndGet(20_000);
            put(s, "b-5", PutOptions.defaults());
            Governors.evictAll(c.node(0), clock.get());
            assertAbsent(s, "held");
            for (String k : List.of("b-0", "b-3", "b-4", "b-5"))
                assertEquals(Set.of(Tier.SSD), s.query(k).orElseThrow().tiers(), k + " kept on SSD");

            Payload.assertPayload("pinned", BLOCK, s.get("pinned"));
            assertEquals(Set.of(Tier.MEMORY), s.query("pinned").orElseThrow().tiers());
            for (String k : List.of("pinned", "held", "b-0", "b-1", "b-2", "b-3", "b-4", "b-5"))
                assertExistsIffReadable(s, k);
        }
    }

    private void put(BlockStore s, String key, PutOptions options) {
        clock.incrementAndGet();
        assertFalse(s.put(key, Payload.of(key, BLOCK), options).existed());
    }

    private static void assertAbsent(BlockStore s, String key) {
        assertFalse(s.exists(key), key + " was dropped by the SSD tier, yet exists");
        assertTrue(s.query(key).isEmpty(), key + " still has metadata");
        KvGridException e = assertThrows(KvGridException.class, () -> s.get(key));
        assertEquals(ErrorCode.NOT_FOUND, e.code(), key + ": " + e);
    }

    /** Metadata never claims a block that is gone, and never hides one that is there. */
    private static void assertExistsIffReadable(BlockStore s, String key) {
        boolean exists = s.exists(key);
        byte[] got = null;
        KvGridException error = null;
        try {
            got = s.get(key);
        } catch (KvGridException e) {
            error = e;
        }
        if (exists) {
            assertNull(error, key + " exists but cannot be read");
            Payload.assertPayload(key, BLOCK, got);
        } else {
            assertNotNull(error, key + " does not exist but was read");
            assertEquals(ErrorCode.NOT_FOUND, error.code(), key + ": " + error);
        }
    }
}
