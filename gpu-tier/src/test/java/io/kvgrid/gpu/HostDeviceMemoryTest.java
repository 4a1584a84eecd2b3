package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.*;

/** The host-memory stand-in for a GPU: allocations, copies both ways and on the "device", bounds. */
@Timeout(60)
class HostDeviceMemoryTest {
    @Test
    void bytesCopiedToTheStandInComeBackUnchangedAndPositionsStayPut() {
        try (HostDeviceMemory m = new HostDeviceMemory(1 << 16)) {
            byte[] b = Payload.of("blk", 1000);
            long h = m.allocate(1000);
            ByteBuffer src = ByteBuffer.wrap(b);
            m.copyToDevice(src, h);
            assertEquals(0, src.position());
            ByteBuffer back = ByteBuffer.allocateDirect(1000);
            m.copyToHost(h, back, 1000);
            assertEquals(0, back.position());
            assertArrayEquals(b, Payload.bytes(back, 1000));
            long h2 = m.allocate(1000);
            m.copyOnDevice(h, h2, 1000);
            ByteBuffer back2 = ByteBuffer.allocate(1000);
            m.copyToHost(h2, back2, 1000);
            assertArrayEquals(b, back2.array());
            assertEquals((1 << 16) - 2000, m.freeBytes());
            m.free(h);
            m.free(h2);
            assertEquals(1 << 16, m.freeBytes());
        }
    }

    @Test
    void anAllocationBeyondItsSizeFailsWithNoSpace() {
        try (HostDeviceMemory m = new HostDeviceMemory(100)) {
            m.allocate(60);
            KvGridException e = assertThrows(KvGridException.class, () -> m.allocate(60));
            assertEquals(ErrorCode.NO_SPACE, e.code());
            assertEquals(40, m.freeBytes());
        }
    }

    @Test
    void badHandlesAndShortBuffersAreRejected() {
        try (HostDeviceMemory m = new HostDeviceMemory(100)) {
            long h = m.allocate(10);
            assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(KvGridException.class, () -> m.free(h + 1)).code());
            assertEquals(ErrorCode.BUFFER_TOO_SMALL, assertThrows(KvGridException.class,
                () -> m.copyToHost(h, ByteBuffer.allocate(5), 10)).code());
            assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(KvGridException.class,
                () -> m.copyToDevice(ByteBuffer.allocate(11), h)).code());
        }
    }
}
