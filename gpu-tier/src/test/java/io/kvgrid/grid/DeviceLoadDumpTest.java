package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.DeviceBuffer;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.gpu.DeviceMemory;
import io.kvgrid.gpu.GpuTier;
import io.kvgrid.gpu.GpuTierFactory;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** UCM's load and dump into device buffers, on a node whose GPU tier is the host stand-in or {@link TestDevice}'s. */
@Timeout(300)
class DeviceLoadDumpTest {
    private static final int SIZE = 64 * 1024;

    private static KvGridConfiguration config(int shards) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDefaultReplicas(1);
        cfg.setShardsPerBlock(shards);
        cfg.setTiers(List.of(new GpuTierFactory().setDevice(TestDevice.NAME).setCapacityBytes(4 << 20),
            KvGridConfiguration.MEMORY));
        return cfg;
    }

    private static GpuTier gpu(TestCluster c) {
        return (GpuTier) KvGridRuntime.tiers(c.node(0).ignite()).tierStores().get(0);
    }

    /** A buffer of {@code bytes} in the device memory of the node's GPU tier, outside the tier's own blocks. */
    private static DeviceBuffer buffer(TestCluster c, int bytes) {
        DeviceMemory m = gpu(c).deviceMemory();
        return new DeviceBuffer(m.deviceName(), m.address(m.allocate(bytes)), bytes);
    }

    private static byte[] contents(TestCluster c, DeviceBuffer b, int bytes) {
        ByteBuffer out = ByteBuffer.allocate(bytes);
        gpu(c).deviceMemory().copyOut(b.pointer(), out, bytes);
        return out.array();
    }

    @Test
    void aLoadCopiesGpuHeldBlocksOnTheDeviceAndTheOthersFromTheHost() {
        try (TestCluster c = TestCluster.start(1, config(1))) {
            BlockStore s = c.store(0);
            s.put("on-gpu", Payload.of("on-gpu", SIZE));
            s.put("in-memory", Payload.of("in-memory", SIZE));
            s.get("on-gpu");
            s.get("on-gpu");
            assertTrue(gpu(c).contains("on-gpu"));
            assertFalse(gpu(c).contains("in-memory"));
            DeviceBuffer a = buffer(c, SIZE);
            DeviceBuffer b = buffer(c, SIZE);
            long hits = gpu(c).hits();

            s.load(List.of("on-gpu", "in-memory"), new int[2], new DeviceBuffer[] {a, b}).await();

            Payload.assertPayload("on-gpu", SIZE, contents(c, a, SIZE));
            Payload.assertPayload("in-memory", SIZE, contents(c, b, SIZE));
            assertEquals(hits + 1, gpu(c).hits(), "one block was copied device to device");
        }
    }

    @Test
    void aLoadOfOneShardFillsTheBufferWithThatShardOnly() {
        try (TestCluster c = TestCluster.start(1, config(4))) {
            BlockStore s = c.store(0);
            byte[] v = Payload.of("sharded", 4 * 1024);
            s.put("sharded", v);
            DeviceBuffer b = buffer(c, 2048); // bigger than a shard: the rest stays as it was
            s.load(List.of("sharded"), new int[] {2}, new DeviceBuffer[] {b}).await();
            assertArrayEquals(Arrays.copyOfRange(v, 2048, 3072), Arrays.copyOf(contents(c, b, 2048), 1024));
        }
    }

    @Test
    void aDumpFromDeviceBuffersStoresBlocksThatReadBackByteForByte() {
        try (TestCluster c = TestCluster.start(1, config(1))) {
            BlockStore s = c.store(0);
            byte[] v = Payload.of("dumped", SIZE);
            DeviceBuffer b = buffer(c, SIZE);
            gpu(c).deviceMemory().copyIn(ByteBuffer.wrap(v), b.pointer());
            s.dump(List.of("dumped"), new int[1], new DeviceBuffer[] {b}).await();
            assertArrayEquals(v, s.get("dumped"));
        }
    }

    @Test
    void errorsAreTheLoadErrorsOfByteBuffersAndNameTheirArgument() {
        try (TestCluster c = TestCluster.start(1, config(1))) {
            BlockStore s = c.store(0);
            s.put("k", Payload.of("k", SIZE));
            KvGridException e = assertThrows(KvGridException.class, () -> s.load(List.of("k"), new int[1],
                new DeviceBuffer[] {new DeviceBuffer("cuda:7", 0x1000, SIZE)}));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
            assertEquals("buffers[0]", e.argument(), "no tier of this node reaches cuda:7");
            DeviceBuffer small = buffer(c, SIZE - 1);
            e = assertThrows(KvGridException.class,
                () -> s.load(List.of("k"), new int[1], new DeviceBuffer[] {small}).await());
            assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
            assertEquals("buffers[0]", e.argument());
            e = assertThrows(KvGridException.class,
                () -> s.load(List.of("missing"), new int[1], new DeviceBuffer[] {buffer(c, SIZE)}).await());
            assertEquals(ErrorCode.NOT_FOUND, e.code());
            e = assertThrows(KvGridException.class, () -> s.load(List.of("k", "k"), new int[1],
                new DeviceBuffer[] {buffer(c, SIZE)}));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        }
    }

    @Test
    void aNodeWithoutAGpuTierRefusesDeviceBuffers() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        try (TestCluster c = TestCluster.start(1, cfg)) {
            KvGridException e = assertThrows(KvGridException.class, () -> c.store(0).load(List.of("k"), new int[1],
                new DeviceBuffer[] {new DeviceBuffer("host", 1L << 32, 10)}));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
            assertEquals("buffers[0]", e.argument());
        }
    }
}
