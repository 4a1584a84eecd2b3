package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdRoundTripTest {
    private static final int[] SIZES = {64 * 1024, 64 * 1024 + 1, 100_000, 1 << 20, (1 << 20) + 13, 3_000_001, 4 << 20};

    @TempDir
    Path dir;
    SsdTier ssd;

    @BeforeEach
    void open() {
        ssd = SsdTier.open(dir, 32L << 20);
    }

    @AfterEach
    void close() {
        ssd.close();
    }

    @Test
    void everySizeFrom64KiBTo4MiBComesBackByteForByteFromHeapAndDirectBuffers() {
        for (int size : SIZES) {
            String key = "blk-" + size;
            byte[] bytes = Payload.of(key, size);
            ByteBuffer payload = size % 2 == 0 ? Payload.direct(bytes) : ByteBuffer.wrap(bytes);
            assertTrue(ssd.put(key, payload, Blocks.crc(bytes)));
            assertEquals(0, payload.position(), "put leaves the payload's position alone");
        }
        assertEquals(Tier.SSD, ssd.tier());
        for (int size : SIZES) {
            String key = "blk-" + size;
            Blocks.assertStored(ssd, key, size);
            ByteBuffer direct = ByteBuffer.allocateDirect(size + 100).position(50);
            assertEquals(size, ssd.read(key, direct));
            assertEquals(50 + size, direct.position());
            Blocks.assertBytes(Payload.of(key, size), direct, 50);
        }
    }

    @Test
    void bufferedIoOnASparseFileStoresTheSameBytesAsTheDefaults() {
        ssd.close();
        ssd = SsdTier.open(Blocks.config(dir.resolve("buffered"), 16 << 20).setDirectIo(false).setPreallocate(false));
        assertFalse(ssd.directIo());
        for (int size : new int[] {64 * 1024, 100_000, 4 << 20})
            Blocks.put(ssd, "b" + size, size);
        for (int size : new int[] {64 * 1024, 100_000, 4 << 20})
            Blocks.assertStored(ssd, "b" + size, size);
    }

    @Test
    void unalignedAndOffsetBuffersTakeTheStagingPathWithoutCorruptingNeighbours() {
        assertTrue(ssd.directIo(), "ext4 under the test's temp dir takes O_DIRECT");
        byte[] bytes = Payload.of("u", 300_001);
        ByteBuffer src = ByteBuffer.allocateDirect(bytes.length + 3).position(3);
        src.put(bytes).position(3);
        assertTrue(ssd.put("u", src, Blocks.crc(bytes)));
        ByteBuffer dst = ByteBuffer.allocateDirect(3 * 4096 + bytes.length).alignedSlice(4096);
        for (int i = 0; i < dst.capacity(); i++)
            dst.put(i, (byte) 7);
        dst.position(4096);
        assertEquals(bytes.length, ssd.read("u", dst));
        Blocks.assertBytes(bytes, dst, 4096);
        assertEquals(7, dst.get(4095));
        assertEquals(7, dst.get(4096 + bytes.length), "no byte written past the payload");
    }

    @Test
    void theRemainingBytesOfAPayloadAreStoredNotTheWholeBuffer() {
        byte[] bytes = Payload.of("slice", 200_000);
        ByteBuffer buf = ByteBuffer.wrap(bytes).position(1000).limit(150_000);
        byte[] expected = Arrays.copyOfRange(bytes, 1000, 150_000);
        assertTrue(ssd.put("slice", buf, Blocks.crc(expected)));
        assertArrayEquals(expected, ssd.get("slice"));
    }

    @Test
    void readingIntoATooSmallBufferThrowsAndWritesNothing() {
        Blocks.put(ssd, "big", 1 << 20);
        ByteBuffer small = ByteBuffer.allocate((1 << 20) - 1);
        KvGridException e = assertThrows(KvGridException.class, () -> ssd.read("big", small));
        assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
        assertEquals("into", e.argument());
        assertEquals(0, small.position());
        Blocks.assertAllZero(small, 0, small.capacity());
        Blocks.assertStored(ssd, "big", 1 << 20);
    }

    @Test
    void aChecksumThatDoesNotMatchThePayloadIsRejectedAndNothingIsStored() {
        byte[] bytes = Payload.of("k", 65536);
        KvGridException e = assertThrows(KvGridException.class,
            () -> ssd.put("k", ByteBuffer.wrap(bytes), Blocks.crc(bytes) ^ 1));
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
        assertEquals("checksum", e.argument());
        assertFalse(ssd.contains("k"));
        assertEquals(0, ssd.usedBytes());
    }

    @Test
    void replacingAKeyKeepsOnlyTheNewBytesAndReusesTheSpace() {
        Blocks.put(ssd, "k", 1 << 20);
        byte[] second = Payload.of("other", 200_000);
        assertTrue(ssd.put("k", ByteBuffer.wrap(second), Blocks.crc(second)));
        assertArrayEquals(second, ssd.get("k"));
        assertEquals(BlockFile.align(200_000), ssd.usedBytes());
        assertEquals(1, ssd.blockCount());
    }

    @Test
    void removeFreesTheSpaceAndAbsentKeysReadAsMinusOne() {
        Blocks.put(ssd, "k", 300_000);
        assertTrue(ssd.remove("k"));
        assertFalse(ssd.remove("k"));
        assertEquals(0, ssd.usedBytes());
        assertEquals(-1, ssd.size("k"));
        assertEquals(-1, ssd.read("k", ByteBuffer.allocate(10)));
        assertNull(ssd.get("k"));
    }

    @Test
    void anEmptyPayloadIsStoredAsAnEmptyBlock() {
        assertTrue(ssd.put("empty", ByteBuffer.allocate(0), Blocks.crc(new byte[0])));
        assertEquals(0, ssd.size("empty"));
        assertArrayEquals(new byte[0], ssd.get("empty"));
    }

    @Test
    void aBlockLargerThanTheWholeCapacityIsRefused() {
        assertFalse(Blocks.put(ssd, "huge", (32 << 20) + 1));
        assertFalse(ssd.contains("huge"));
    }

    @Test
    void nullOrEmptyKeysAndBadBuffersAreRejectedNamingTheArgument() {
        ByteBuffer buf = ByteBuffer.allocate(16);
        for (String bad : new String[] {null, "", "a\0b"}) {
            KvGridException e = assertThrows(KvGridException.class, () -> ssd.put(bad, buf, 0));
            assertEquals(ErrorCode.INVALID_KEY, e.code());
            assertEquals("key", e.argument());
            assertEquals(ErrorCode.INVALID_KEY, assertThrows(KvGridException.class, () -> ssd.read(bad, buf)).code());
            assertEquals(ErrorCode.INVALID_KEY, assertThrows(KvGridException.class, () -> ssd.size(bad)).code());
            assertEquals(ErrorCode.INVALID_KEY, assertThrows(KvGridException.class, () -> ssd.remove(bad)).code());
        }
        assertEquals("payload", assertThrows(KvGridException.class, () -> ssd.put("k", null, 0)).argument());
        Blocks.put(ssd, "k", 16);
        KvGridException ro = assertThrows(KvGridException.class, () -> ssd.read("k", buf.asReadOnlyBuffer()));
        assertEquals(ErrorCode.INVALID_ARGUMENT, ro.code());
        assertEquals("into", ro.argument());
    }

    @Test
    void aClosedTierRefusesOperations() {
        ssd.close();
        assertThrows(KvGridException.class, () -> ssd.size("k"));
        ssd.close();
    }
}
