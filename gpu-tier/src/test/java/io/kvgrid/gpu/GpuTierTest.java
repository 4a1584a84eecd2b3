package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.kvgrid.gpu.Blocks.crc;
import static io.kvgrid.gpu.Blocks.put;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(600)
class GpuTierTest {
    private final HeapDeviceMemory device = new HeapDeviceMemory(1 << 20);

    private GpuTier tier(long capacity, EvictionGuard guard) {
        return GpuTier.open(device, capacity, guard);
    }

    private static List<String> keys(GpuTier t) {
        List<String> out = new ArrayList<>();
        t.forEachKey(out::add);
        return out;
    }

    private void assertDeviceHolds(String... keysAndSizes) {
        List<byte[]> expected = new ArrayList<>();
        for (String ks : keysAndSizes) {
            String[] p = ks.split(":");
            expected.add(Payload.of(p[0], Integer.parseInt(p[1])));
        }
        List<byte[]> actual = device.contents();
        assertEquals(expected.size(), actual.size(), "allocations on the device");
        for (byte[] e : expected)
            assertTrue(actual.stream().anyMatch(a -> java.util.Arrays.equals(a, e)), "device holds a block's bytes");
    }

    @Test
    void aPutBlockLivesInDeviceMemoryAndReadsBackByteForByte() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            byte[] v = Payload.of("blk-0", 1000);
            ByteBuffer src = ByteBuffer.allocate(1010);
            src.position(7);
            src.put(v).flip().position(7);
            assertTrue(t.put("blk-0", src, crc(v)));
            assertEquals(7, src.position(), "payload position unchanged");
            assertDeviceHolds("blk-0:1000");
            assertEquals(Tier.GPU, t.tier());
            assertEquals(1000, t.usedBytes());
            assertEquals(1000, t.size("blk-0"));

            ByteBuffer into = ByteBuffer.allocateDirect(1100);
            into.position(50);
            assertEquals(1000, t.read("blk-0", into));
            assertEquals(1050, into.position());
            assertArrayEquals(v, Payload.bytes(into.slice(50, 1000), 1000));
            assertArrayEquals(v, t.get("blk-0"));
            assertEquals(-1, t.read("absent", into));
            assertNull(t.get("absent"));
        }
    }

    @Test
    void theLeastRecentlyUsedBlockIsDroppedFirst() {
        try (GpuTier t = tier(300, EvictionGuard.ALWAYS)) {
            assertTrue(put(t, "a", 100));
            assertTrue(put(t, "b", 100));
            assertTrue(put(t, "c", 100));
            assertNotNull(t.get("a"));                 // a is now the most recently used
            assertTrue(put(t, "d", 100));
            assertEquals(List.of("c", "a", "d"), keys(t));
            assertFalse(t.contains("b"));
            assertEquals(1, t.evictions());
            assertEquals(300, t.usedBytes());
            assertDeviceHolds("a:100", "c:100", "d:100");
            Payload.assertPayload("a", 100, t.get("a"));
        }
    }

    @Test
    void blocksTheGuardProtectsAreNeverDropped() {
        Set<String> pinned = new java.util.HashSet<>(Set.of("a"));
        try (GpuTier t = tier(300, key -> !pinned.contains(key))) {
            put(t, "a", 100);
            put(t, "b", 100);
            put(t, "c", 100);
            assertTrue(put(t, "d", 150));               // drops b and c, never a
            assertEquals(List.of("a", "d"), keys(t));
            assertDeviceHolds("a:100", "d:150");

            pinned.add("d");
            assertFalse(put(t, "e", 100), "only pinned blocks left to drop");
            assertEquals(List.of("a", "d"), keys(t));
            assertDeviceHolds("a:100", "d:150");
            assertEquals(250, t.usedBytes());
        }
    }

    @Test
    void aBlockLargerThanTheCapacityIsRefusedAndNothingIsDropped() {
        try (GpuTier t = tier(300, EvictionGuard.ALWAYS)) {
            put(t, "a", 200);
            assertFalse(put(t, "huge", 301));
            assertEquals(List.of("a"), keys(t));
            assertDeviceHolds("a:200");
            assertEquals(0, t.evictions());
        }
    }

    @Test
    void replacingAKeyFreesItsOldCopy() {
        try (GpuTier t = tier(300, EvictionGuard.ALWAYS)) {
            put(t, "a", 100);
            put(t, "b", 100);
            byte[] v2 = Payload.of("a-v2", 200);
            assertTrue(t.put("a", ByteBuffer.wrap(v2), crc(v2)), "old a's 100 bytes count as room");
            assertArrayEquals(v2, t.get("a"));
            assertEquals(300, t.usedBytes());
            assertEquals(2, device.allocationCount());
            assertEquals(0, t.evictions());
        }
    }

    @Test
    void corruptedDeviceBytesFailTheChecksumAndTheCopyIsDropped() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            put(t, "a", 512);
            device.corrupt(Payload.of("a", 512), 100);
            ByteBuffer into = ByteBuffer.allocate(512);
            KvGridException e = assertThrows(KvGridException.class, () -> t.read("a", into));
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
            assertEquals(0, into.position(), "a failed read does not advance the buffer");
            assertFalse(t.contains("a"));
            assertEquals(0, device.allocationCount(), "the bad copy's device memory is freed");
            assertEquals(0, t.usedBytes());
        }
    }

    @Test
    void aBufferTooSmallGetsNothingWrittenAndTheBlockStays() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            put(t, "a", 256);
            ByteBuffer into = ByteBuffer.allocate(300);
            into.position(45);                         // 255 bytes left
            KvGridException e = assertThrows(KvGridException.class, () -> t.read("a", into));
            assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
            assertEquals("into", e.argument());
            assertEquals(45, into.position());
            assertArrayEquals(new byte[300], into.array(), "nothing written");
            Payload.assertPayload("a", 256, t.get("a"));
        }
    }

    @Test
    void aPayloadThatDoesNotMatchItsChecksumIsNotStored() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            byte[] v = Payload.of("a", 64);
            KvGridException e = assertThrows(KvGridException.class,
                () -> t.put("a", ByteBuffer.wrap(v), crc(v) ^ 1));
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
            assertEquals("checksum", e.argument());
            assertFalse(t.contains("a"));
            assertEquals(0, device.allocationCount());
        }
    }

    @Test
    void aDeviceOutOfMemoryMakesThePutReturnFalse() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            put(t, "a", 100);
            device.refuseNextAllocation();
            assertFalse(put(t, "b", 100));
            assertFalse(t.contains("b"));
            assertDeviceHolds("a:100");
            assertEquals(100, t.usedBytes());
        }
    }

    @Test
    void aReplacementThatCannotBeAllocatedLeavesTheOldCopyReadable() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            byte[] old = Payload.of("a", 100);
            assertTrue(t.put("a", ByteBuffer.wrap(old), crc(old)));
            device.refuseNextAllocation();
            byte[] newer = Payload.of("a-newer", 100);
            assertFalse(t.put("a", ByteBuffer.wrap(newer), crc(newer)));
            assertArrayEquals(old, t.get("a"), "the old copy survives the failed allocation, byte for byte");
            assertEquals(100, t.usedBytes());
            assertEquals(1, device.allocationCount());
        }
    }

    @Test
    void victimsAreDroppedOnlyOnceTheNewBlockHasItsAllocation() {
        try (GpuTier t = tier(200, EvictionGuard.ALWAYS)) {
            put(t, "a", 100);
            put(t, "b", 100);
            device.refuseNextAllocation(); // the first try fails, the retry after freeing "a" succeeds
            assertTrue(put(t, "c", 100));
            assertFalse(t.contains("a"));
            assertDeviceHolds("b:100", "c:100");
            assertEquals(1, t.evictions());
        }
    }

    @Test
    void anEmptyBlockTakesNoDeviceMemoryAndReadsBackEmpty() {
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            assertTrue(t.put("empty", ByteBuffer.allocate(0), crc(new byte[0])));
            assertEquals(0, device.allocationCount());
            assertEquals(0, t.read("empty", ByteBuffer.allocate(0)));
            assertArrayEquals(new byte[0], t.get("empty"));
            assertTrue(t.remove("empty"));
            assertFalse(t.remove("empty"));
        }
    }

    @Test
    void removeAndCloseFreeDeviceMemory() {
        GpuTier t = tier(4096, EvictionGuard.ALWAYS);
        put(t, "a", 100);
        put(t, "b", 100);
        assertTrue(t.remove("a"));
        assertDeviceHolds("b:100");
        t.close();
        assertEquals(0, device.allocationCount());
        assertFalse(device.closed, "memory passed in stays open");
        KvGridException e = assertThrows(KvGridException.class, () -> put(t, "c", 10));
        assertEquals(ErrorCode.NODE_UNAVAILABLE, e.code());
    }

    @Test
    void badArgumentsAreRejectedByName() {
        rejects(ErrorCode.INVALID_CONFIG, "capacityBytes", () -> GpuTier.open(device, 0, EvictionGuard.ALWAYS));
        rejects(ErrorCode.INVALID_CONFIG, "capacityBytes", () -> GpuTier.open(device, (1 << 20) + 1,
            EvictionGuard.ALWAYS));
        rejects(ErrorCode.INVALID_CONFIG, "guard", () -> GpuTier.open(device, 100, null));
        rejects(ErrorCode.INVALID_CONFIG, "memory", () -> GpuTier.open(null, 100, EvictionGuard.ALWAYS));
        try (GpuTier t = tier(4096, EvictionGuard.ALWAYS)) {
            rejects(ErrorCode.INVALID_KEY, "key", () -> t.put(null, ByteBuffer.allocate(1), 0));
            rejects(ErrorCode.INVALID_KEY, "key", () -> t.put("", ByteBuffer.allocate(1), 0));
            rejects(ErrorCode.INVALID_KEY, "key", () -> t.put("a\0b", ByteBuffer.allocate(1), 0));
            rejects(ErrorCode.INVALID_KEY, "key", () -> t.size("x".repeat(1025)));
            rejects(ErrorCode.INVALID_ARGUMENT, "payload", () -> t.put("a", null, 0));
            rejects(ErrorCode.INVALID_ARGUMENT, "into", () -> t.read("a", null));
            assertEquals(0, device.allocationCount());
        }
    }

    private static void rejects(ErrorCode code, String argument, Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call);
        assertEquals(code, e.code());
        assertEquals(argument, e.argument());
    }
}
