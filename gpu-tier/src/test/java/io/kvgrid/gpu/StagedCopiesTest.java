package io.kvgrid.gpu;

import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The staged pipeline against a fake copy engine that runs its queue on a thread of its own, a little late each time:
 * a slot refilled before the device took its chunk, or a chunk drained before it arrived, shows as wrong bytes.
 */
@Timeout(120)
class StagedCopiesTest {
    private static final int CHUNK = 4_096;
    private static final ExecutorService workers = Executors.newFixedThreadPool(3);

    @AfterAll
    static void stop() {
        workers.shutdownNow();
    }

    /** Device memory in a host buffer (addresses are offsets into it); copies run in order, each a little late. */
    private static final class LateDma implements StagedCopies.Dma, AutoCloseable {
        final ByteBuffer device = ByteBuffer.allocateDirect(1 << 20);
        final ByteBuffer[] slots;
        private final ExecutorService queue = Executors.newSingleThreadExecutor();
        private final Future<?>[] marks;
        private final SplittableRandom random = new SplittableRandom(7);

        LateDma(int slotCount) {
            slots = new ByteBuffer[slotCount];
            for (int i = 0; i < slotCount; i++)
                slots[i] = ByteBuffer.allocateDirect(CHUNK);
            marks = new Future<?>[slotCount];
        }

        private void later(Runnable copy) {
            long delay = random.nextLong(50_000);
            queue.submit(() -> {
                LockSupport.parkNanos(delay);
                copy.run();
            });
        }

        public void toDevice(int slot, long dstAddress, int length) {
            ByteBuffer from = slots[slot].duplicate().clear().limit(length);
            later(() -> device.duplicate().position((int) dstAddress).put(from));
        }

        public void toHost(long srcAddress, int slot, int length) {
            ByteBuffer from = device.duplicate().position((int) srcAddress).limit((int) srcAddress + length);
            later(() -> slots[slot].duplicate().clear().put(from));
        }

        public void mark(int slot) {
            marks[slot] = queue.submit(() -> { });
        }

        public void await(int slot) {
            get(marks[slot]);
        }

        public void finish() {
            get(queue.submit(() -> { }));
        }

        private static void get(Future<?> f) {
            try {
                f.get();
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError(e);
            }
        }

        public void close() {
            queue.shutdownNow();
        }
    }

    /** {@code ahead} chunks (1 to 3 of 4 slots) on the workers, or (0) one at a time on the caller's thread. */
    private static StagedCopies pipeline(LateDma dma, int ahead) {
        return new StagedCopies(dma, dma.slots, CHUNK, ahead > 0 ? workers : Runnable::run, Math.max(1, ahead));
    }

    private static byte[] deviceBytes(LateDma dma, int at, int n) {
        byte[] out = new byte[n];
        dma.device.duplicate().position(at).get(out);
        return out;
    }

    @Test
    void bytesFromAHostBufferReachTheDeviceInOrderWithTheirChecksumWhateverTheirLength() {
        for (int ahead : new int[] {0, 1, 2, 3}) {
            try (LateDma dma = new LateDma(4)) {
                StagedCopies copies = pipeline(dma, ahead);
                for (int n : new int[] {1, CHUNK - 1, CHUNK, 3 * CHUNK, 4 * CHUNK + 17, 37 * CHUNK + 5}) {
                    byte[] v = Payload.of("out-" + n, n);
                    ByteBuffer src = ByteBuffer.allocate(n + 9);
                    src.position(9);
                    src.put(v).position(9);
                    int at = 1_000 + n % 13;
                    int sum = copies.toDevice(src, at, true);
                    assertEquals(9, src.position(), "the source's position is unchanged");
                    assertArrayEquals(v, deviceBytes(dma, at, n), n + " bytes, ahead " + ahead);
                    assertEquals(Crc32c.of(ByteBuffer.wrap(v)), sum, n + " bytes' CRC32C");
                    assertEquals(0, copies.toDevice(ByteBuffer.wrap(v), at, false), "no checksum asked");
                }
            }
        }
    }

    @Test
    void bytesFromTheDeviceReachAHostBufferAtItsPositionWithTheirChecksum() {
        for (int ahead : new int[] {0, 1, 2, 3}) {
            try (LateDma dma = new LateDma(4)) {
                StagedCopies copies = pipeline(dma, ahead);
                for (int n : new int[] {1, CHUNK, 2 * CHUNK + 1, 9 * CHUNK, 41 * CHUNK + 3}) {
                    byte[] v = Payload.of("in-" + n, n);
                    int at = 5 + n % 11;
                    dma.device.duplicate().position(at).put(v);
                    ByteBuffer dst = n % 2 == 0 ? ByteBuffer.allocateDirect(n + 3) : ByteBuffer.allocate(n + 3);
                    dst.position(3);
                    int sum = copies.toHost(at, dst, n, true);
                    assertEquals(3, dst.position(), "the destination's position is unchanged");
                    byte[] got = new byte[n];
                    dst.duplicate().get(got);
                    assertArrayEquals(v, got, n + " bytes, ahead " + ahead);
                    assertEquals(Crc32c.of(ByteBuffer.wrap(v)), sum, n + " bytes' CRC32C");
                }
            }
        }
    }
}
