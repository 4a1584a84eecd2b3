package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static io.kvgrid.gpu.Blocks.crc;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real JCuda on device 0 where a CUDA driver is present; the driver-less behaviour where it is not. */
@Timeout(600)
class CudaDeviceMemoryTest {
    @Test
    void withoutACudaDriverOpeningFailsCleanlyEveryTime() {
        assumeFalse(CudaDeviceMemory.available(), "a CUDA driver is present");
        assertFalse(CudaDeviceMemory.available(), "asking twice never throws");
        for (int attempt = 0; attempt < 2; attempt++) {   // UnsatisfiedLinkError first, NoClassDefFoundError then
            KvGridException e = assertThrows(KvGridException.class, () -> CudaDeviceMemory.open(0));
            assertEquals(ErrorCode.NODE_UNAVAILABLE, e.code());
        }
        KvGridException e = assertThrows(KvGridException.class,
            () -> GpuTier.openCuda(0, 1 << 20, EvictionGuard.ALWAYS));
        assertEquals(ErrorCode.NODE_UNAVAILABLE, e.code());
    }

    @Test
    void aNegativeDeviceOrdinalIsAConfigurationError() {
        KvGridException e = assertThrows(KvGridException.class, () -> CudaDeviceMemory.open(-1));
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("device", e.argument());
    }

    @Test
    void heapAndDirectBuffersRoundTripThroughDeviceMemoryAtTheirPositions() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        try (CudaDeviceMemory gpu = CudaDeviceMemory.open(0)) {
            byte[] v = Payload.of("cuda-rt", 3 << 20);
            ByteBuffer heap = ByteBuffer.allocate(v.length + 11);
            heap.position(11);
            heap.put(v).position(11);
            long a = gpu.allocate(v.length);
            gpu.copyToDevice(heap, a);
            assertEquals(11, heap.position());

            ByteBuffer direct = ByteBuffer.allocateDirect(v.length + 5);
            direct.position(5);
            gpu.copyToHost(a, direct, v.length);
            assertEquals(5, direct.position());
            assertArrayEquals(v, Payload.bytes(direct.slice(5, v.length), v.length));

            long b = gpu.allocate(v.length);
            gpu.copyToDevice(Payload.direct(Payload.of("other", v.length)), b);
            gpu.copyOnDevice(a, b, v.length);
            ByteBuffer back = ByteBuffer.allocate(v.length);
            gpu.copyToHost(b, back, v.length);
            assertArrayEquals(v, back.array());

            assertEquals(2L * v.length, gpu.allocatedBytes());
            assertTrue(gpu.totalBytes() > 0 && gpu.freeBytes() <= gpu.totalBytes());
            gpu.free(a);
            gpu.free(b);
            assertEquals(0, gpu.allocatedBytes());
            KvGridException e = assertThrows(KvGridException.class, () -> gpu.free(a));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        }
    }

    @Test
    void bytesGoInAndOutOfDeviceAddressesThroughPinnedStagingAndAcrossOnTheDevice() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        try (CudaDeviceMemory m = CudaDeviceMemory.open(0)) {
            int size = CudaDeviceMemory.STAGING_BYTES + 12_345; // more than one staging chunk
            byte[] b = io.kvgrid.testing.Payload.of("addr", size);
            long h1 = m.allocate(size);
            long h2 = m.allocate(size);
            m.copyIn(ByteBuffer.wrap(b), m.address(h1));
            m.copyToAddress(h1, 100, m.address(h2) + 7, size - 100);
            ByteBuffer back = ByteBuffer.allocate(size - 100);
            m.copyOut(m.address(h2) + 7, back, size - 100);
            assertArrayEquals(java.util.Arrays.copyOfRange(b, 100, size), back.array());
            assertEquals("cuda:0", m.deviceName());
        }
    }

    @Test
    void checkedCopiesGoRoundTheStagingSlotsAndReturnTheCrc32cOfTheBytesTheyMoved() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        try (CudaDeviceMemory m = CudaDeviceMemory.open(0)) {
            for (int size : new int[] {1, 1 << 20, 2 * CudaDeviceMemory.STAGING_BYTES + 12_345}) {
                byte[] v = Payload.of("checked-" + size, size);
                ByteBuffer src = ByteBuffer.allocate(size + 3);
                src.position(3);
                src.put(v).position(3);
                long h = m.allocate(size);
                assertEquals(crc(v), m.copyToDeviceChecked(src, h), size + " bytes in");
                assertEquals(3, src.position());
                ByteBuffer back = ByteBuffer.allocateDirect(size + 1);
                back.position(1);
                assertEquals(crc(v), m.copyToHostChecked(h, back, size), size + " bytes out");
                assertEquals(1, back.position());
                assertArrayEquals(v, Payload.bytes(back.slice(1, size), size), size + " bytes");
                m.free(h);
            }
        }
    }

    @Test
    void pinnedBuffersGoStraightToTheDeviceAndBackWithTheirChecksumsFromTheirPositions() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        try (CudaDeviceMemory m = CudaDeviceMemory.open(0)) {
            for (int size : new int[] {1, 1 << 20, 2 * CudaDeviceMemory.STAGING_BYTES + 12_345}) {
                byte[] v = Payload.of("pinned-" + size, size);
                ByteBuffer src = m.allocatePinned(size + 3);
                ByteBuffer back = m.allocatePinned(size + 5);
                try {
                    src.position(3);
                    src.put(v).position(3);
                    long h = m.allocate(size);
                    assertEquals(crc(v), m.copyToDeviceChecked(src, h), size + " bytes in");
                    assertEquals(3, src.position());
                    back.position(5);
                    assertEquals(crc(v), m.copyToHostChecked(h, back, size), size + " bytes out");
                    assertEquals(5, back.position());
                    assertArrayEquals(v, Payload.bytes(back.slice(5, size), size), size + " bytes");
                    m.free(h);
                } finally {
                    m.freePinned(src);
                    m.freePinned(back);
                }
            }
            KvGridException e = assertThrows(KvGridException.class,
                () -> m.freePinned(ByteBuffer.allocateDirect(16)));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
            assertEquals("buffer", e.argument());
        }
    }

    @Test
    void theGpuTierChecksPinnedPayloadsAndKeepsTheOldCopyWhenOneIsDamaged() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        int block = 1 << 20;
        try (GpuTier t = GpuTier.openCuda(0, 4L * block, EvictionGuard.ALWAYS)) {
            CudaDeviceMemory m = (CudaDeviceMemory) t.deviceMemory();
            ByteBuffer pinned = m.allocatePinned(block);
            ByteBuffer into = m.allocatePinned(block);
            try {
                byte[] v1 = Payload.of("v1", block);
                pinned.put(v1).flip();
                assertTrue(t.put("k", pinned, crc(v1)));
                byte[] v2 = Payload.of("v2", block);
                pinned.clear();
                pinned.put(v2).flip();
                KvGridException e = assertThrows(KvGridException.class, () -> t.put("k", pinned, crc(v2) ^ 1));
                assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
                assertEquals(block, t.read("k", into));
                assertArrayEquals(v1, Payload.bytes(into.flip(), block), "the old copy stays");
                assertEquals(block, t.usedBytes());
            } finally {
                m.freePinned(pinned);
                m.freePinned(into);
            }
        }
    }

    @Test
    void askingForMoreThanTheDeviceHasIsNoSpace() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        try (CudaDeviceMemory gpu = CudaDeviceMemory.open(0)) {
            KvGridException e = assertThrows(KvGridException.class, () -> gpu.allocate(gpu.totalBytes() * 2));
            assertEquals(ErrorCode.NO_SPACE, e.code());
            KvGridException small = assertThrows(KvGridException.class,
                () -> gpu.copyToHost(gpu.allocate(16), ByteBuffer.allocate(8), 16));
            assertEquals(ErrorCode.BUFFER_TOO_SMALL, small.code());
        }
    }

    @Test
    void theGpuTierKeepsHotBlocksOnARealDeviceAndDropsTheLeastRecentlyUsed() {
        assumeTrue(CudaDeviceMemory.available(), "no CUDA driver");
        int block = 1 << 20;
        try (GpuTier t = GpuTier.openCuda(0, 3L * block, EvictionGuard.ALWAYS)) {
            List<byte[]> vs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                byte[] v = Payload.of("gpu/" + i, block);
                vs.add(v);
                assertTrue(t.put("gpu/" + i, Payload.direct(v), crc(v)));
                if (i == 2)
                    assertArrayEquals(vs.get(0), t.get("gpu/0"));   // 0 becomes most recently used
            }
            assertFalse(t.contains("gpu/1"));
            for (int i : new int[] {0, 2, 3}) {
                ByteBuffer into = ByteBuffer.allocateDirect(block);
                assertEquals(block, t.read("gpu/" + i, into));
                assertArrayEquals(vs.get(i), Payload.bytes(into, block));
            }
            assertEquals(3L * block, t.usedBytes());
        }
    }
}
