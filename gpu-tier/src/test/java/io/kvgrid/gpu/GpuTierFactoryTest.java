package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.TierContext;
import io.kvgrid.TierStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static io.kvgrid.gpu.Blocks.crc;
import static org.junit.jupiter.api.Assertions.*;

/** The GPU tier's factory: device choice, validation, and a node without CUDA running on without the tier. */
@Timeout(60)
class GpuTierFactoryTest {
    private final Set<String> pinned = new HashSet<>();
    private final TierContext ctx = new TierContext() {
        @Override
        public String nodeId() {
            return "node-a";
        }

        @Override
        public boolean mayDrop(String key) {
            return !pinned.contains(key);
        }

        @Override
        public void dropped(String key) {
        }
    };

    @Test
    void theHostStandInIsAGpuTierInHostMemoryThatHonoursTheNodesDropRules() {
        try (TierStore t = new GpuTierFactory().setDevice("host").setCapacityBytes(200).open(ctx)) {
            assertEquals(Tier.GPU, t.tier());
            assertEquals(200, t.capacityBytes());
            pinned.add("a");
            assertTrue(Blocks.put(t, "a", 100));
            assertTrue(Blocks.put(t, "b", 100));
            assertTrue(Blocks.put(t, "c", 100));
            assertTrue(t.contains("a"), "the context kept the pinned block");
            assertFalse(t.contains("b"));
            assertArrayEquals(io.kvgrid.testing.Payload.of("c", 100), t.get("c"));
        }
    }

    @Test
    void deviceNoneOpensNoTier() {
        assertNull(new GpuTierFactory().setDevice("none").setCapacityBytes(100).open(ctx));
    }

    @Test
    void cudaWithoutADriverOpensNoTierAndTheNodeRunsOn() {
        org.junit.jupiter.api.Assumptions.assumeFalse(CudaDeviceMemory.available(), "this host has CUDA");
        assertNull(new GpuTierFactory().setDevice("cuda:0").setCapacityBytes(100).open(ctx));
    }

    @Test
    void cudaWithADriverOpensTheDevice() {
        org.junit.jupiter.api.Assumptions.assumeTrue(CudaDeviceMemory.available(), "no CUDA driver or device here");
        try (TierStore t = new GpuTierFactory().setDevice("cuda:0").setCapacityBytes(1 << 20).open(ctx)) {
            byte[] b = io.kvgrid.testing.Payload.of("x", 4096);
            assertTrue(t.put("x", ByteBuffer.wrap(b), crc(b)));
            assertArrayEquals(b, t.get("x"));
        }
    }

    @Test
    void badSettingsAreRejectedByName() {
        GpuTierFactory f = new GpuTierFactory();
        for (String bad : new String[] {"gpu", "cuda:", "cuda:x", "", null}) {
            KvGridException e = assertThrows(KvGridException.class, () -> f.setDevice(bad));
            assertEquals(ErrorCode.INVALID_CONFIG, e.code());
            assertEquals("device", e.argument());
        }
        assertEquals("cuda:0", f.getDevice(), "a rejected device changes nothing");
        assertEquals("cuda:3", f.setDevice(" CUDA:3 ").getDevice());
        KvGridException e = assertThrows(KvGridException.class, () -> f.setCapacityBytes(0));
        assertEquals("capacityBytes", e.argument());
        e = assertThrows(KvGridException.class, () -> new GpuTierFactory().setDevice("host").open(ctx));
        assertEquals("capacityBytes", e.argument());
    }
}
