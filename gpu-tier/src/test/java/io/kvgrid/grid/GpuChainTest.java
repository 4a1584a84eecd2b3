package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.PutOptions;
import io.kvgrid.Tier;
import io.kvgrid.TierStoreFactory;
import io.kvgrid.gpu.GpuTier;
import io.kvgrid.gpu.GpuTierFactory;
import io.kvgrid.testing.MemoryTierStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU tier above the grid on a node: promotion, pins, demotion, prefetch, removal. On the host stand-in, or on
 * the device {@link TestDevice} names.
 */
@Timeout(300)
class GpuChainTest {
    private static final int SIZE = 64 * 1024;
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private KvGridConfiguration config(long gpuBytes, TierStoreFactory below) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTicker(clock::get);
        cfg.setDefaultReplicas(1);
        TierStoreFactory gpu = new GpuTierFactory().setDevice(TestDevice.NAME).setCapacityBytes(gpuBytes);
        cfg.setTiers(below == null ? List.of(gpu, KvGridConfiguration.MEMORY)
            : List.of(gpu, KvGridConfiguration.MEMORY, below));
        return cfg;
    }

    private static GpuTier gpu(TestCluster c) {
        return (GpuTier) KvGridRuntime.tiers(c.node(0).ignite()).tierStores().get(0);
    }

    private static boolean onGpu(TestCluster c, String key) {
        return gpu(c).contains(key);
    }

    /** Polls a background outcome (prefetch runs on the store's task pool), bounded by count and time. */
    private static void await(BooleanSupplier done, String what) {
        for (int i = 0; i < 500 && !done.getAsBoolean(); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertTrue(done.getAsBoolean(), what);
    }

    @Test
    void aBlockReadTwiceOnANodeComesUpToItsGpuAndLaterReadsAreServedThere() {
        try (TestCluster c = TestCluster.start(1, config(1 << 20, null))) {
            BlockStore s = c.store(0);
            s.put("hot", Payload.of("hot", SIZE));
            Payload.assertPayload("hot", SIZE, s.get("hot"));
            assertFalse(onGpu(c, "hot"), "one read is below the promotion threshold (2)");
            Payload.assertPayload("hot", SIZE, s.get("hot"));
            assertTrue(onGpu(c, "hot"), "the second read brought it up");
            assertEquals(Set.of(Tier.GPU, Tier.MEMORY), s.query("hot").orElseThrow().tiers());
            long hits = gpu(c).hits();
            Payload.assertPayload("hot", SIZE, s.get("hot"));
            assertEquals(hits + 1, gpu(c).hits(), "the third read came from the GPU, byte for byte");
        }
    }

    @Test
    void aBlockThatLeavesTheGpuIsStillReadFromTheGridByteForByte() {
        try (TestCluster c = TestCluster.start(1, config(2L * SIZE, null))) {
            BlockStore s = c.store(0);
            for (String k : List.of("a", "b", "c")) {
                s.put(k, Payload.of(k, SIZE));
                s.get(k);
                s.get(k);
            }
            assertFalse(onGpu(c, "a"), "least recently used block demoted");
            assertTrue(onGpu(c, "b") && onGpu(c, "c"));
            assertEquals(Set.of(Tier.MEMORY), s.query("a").orElseThrow().tiers());
            for (String k : List.of("a", "b", "c"))
                Payload.assertPayload(k, SIZE, s.get(k));
        }
    }

    @Test
    void aGpuPinnedBlockStaysOnTheGpuWhileOtherBlocksComeAndGo() {
        try (TestCluster c = TestCluster.start(1, config(3L * SIZE, null))) {
            BlockStore s = c.store(0);
            s.put("pinned", Payload.of("pinned", SIZE), PutOptions.builder().gpuPin().build());
            assertTrue(onGpu(c, "pinned"), "a GPU pin puts the block up at once");
            assertTrue(s.query("pinned").orElseThrow().hardPinned());
            for (int i = 0; i < 6; i++) {
                String k = "other-" + i;
                s.put(k, Payload.of(k, SIZE));
                s.get(k);
                s.get(k);
            }
            assertTrue(onGpu(c, "pinned"), "LRU demotion passed the pinned block by");
            assertEquals(3, gpu(c).blocks());
            Payload.assertPayload("pinned", SIZE, s.get("pinned"));
        }
    }

    @Test
    void removingABlockDropsItsGpuCopy() {
        try (TestCluster c = TestCluster.start(1, config(1 << 20, null))) {
            BlockStore s = c.store(0);
            s.put("gone", Payload.of("gone", SIZE), PutOptions.builder().gpuPin().build());
            assertTrue(onGpu(c, "gone"));
            s.remove("gone", true);
            assertFalse(onGpu(c, "gone"));
            assertFalse(s.exists("gone"));
            assertEquals(0, gpu(c).usedBytes());
        }
    }

    @Test
    void aRewrittenBlockIsNeverServedFromItsStaleGpuCopy() {
        try (TestCluster c = TestCluster.start(1, config(1 << 20, null))) {
            BlockStore s = c.store(0);
            s.put("k", Payload.of("v1", SIZE));
            s.get("k");
            s.get("k");
            assertTrue(onGpu(c, "k"));
            s.upsert("k", Payload.of("v2", SIZE));
            Payload.assertPayload("v2", SIZE, s.get("k"));
            assertFalse(onGpu(c, "k"), "the stale copy was dropped when the read found it");
        }
    }

    @Test
    void prefetchBringsABlockFromBelowMemoryBackIntoMemoryAndUpToTheGpu() {
        List<MemoryTierStore> ssd = new java.util.concurrent.CopyOnWriteArrayList<>();
        TierStoreFactory below = ctx -> {
            MemoryTierStore t = new MemoryTierStore(ctx, 64L << 20);
            ssd.add(t);
            return t;
        };
        try (TestCluster c = TestCluster.start(1, config(1 << 20, below))) {
            BlockStore s = c.store(0);
            s.put("cold", Payload.of("cold", SIZE));
            clock.addAndGet(60_000);
            KvGridRuntime.governor(c.node(0).ignite()).evict(Long.MAX_VALUE, clock.get());
            assertEquals(Set.of(Tier.SSD), s.query("cold").orElseThrow().tiers());
            s.prefetch(List.of("cold", "never-written"));
            await(() -> s.query("cold").orElseThrow().tiers().equals(Set.of(Tier.GPU, Tier.MEMORY, Tier.SSD)),
                "prefetch warmed the block into memory and the GPU");
            long hits = gpu(c).hits();
            Payload.assertPayload("cold", SIZE, s.get("cold"));
            assertEquals(hits + 1, gpu(c).hits());
            assertTrue(ssd.get(0).contains("cold"), "the copy below stays");
        }
    }
}
