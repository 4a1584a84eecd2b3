package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdChecksumTest {
    private static final int SIZE = 256 * 1024;

    @TempDir
    Path dir;
    final List<String> events = new ArrayList<>();

    private SsdTierConfig config() {
        return Blocks.config(dir, 4 << 20).setDropListener((key, reason) -> events.add(key + ":" + reason));
    }

    /** Inverts {@code n} bytes of the data file at {@code pos}, behind the tier's back. */
    private void flip(long pos, int n) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(SsdTier.DATA_FILE), StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(n);
            ch.read(b, pos);
            for (int i = 0; i < n; i++)
                b.put(i, (byte) ~b.get(i));
            ch.write(b.flip(), pos);
        }
    }

    @Test
    void flippedBytesInTheDataFileYieldChecksumMismatchAndTheCopyIsDropped() throws IOException {
        try (SsdTier ssd = SsdTier.open(config())) {
            for (String k : List.of("a", "b", "c"))
                Blocks.put(ssd, k, SIZE);
            flip(ssd.offsetOf("b") + 100_000, 3);

            ByteBuffer into = ByteBuffer.allocateDirect(SIZE + 8);
            for (int i = 0; i < into.capacity(); i++)
                into.put(i, (byte) 0x55);
            into.position(4);
            KvGridException e = assertThrows(KvGridException.class, () -> ssd.read("b", into));
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
            assertEquals("key", e.argument());
            assertEquals(4, into.position(), "position unchanged");
            Blocks.assertAllZero(into, 4, SIZE);   // the damaged bytes were not left in the caller's buffer
            assertEquals(0x55, into.get(3));
            assertEquals(0x55, into.get(SIZE + 4));

            assertEquals(List.of("b:CORRUPT"), events);
            assertEquals(-1, ssd.size("b"));
            assertEquals(-1, ssd.read("b", into));
            Blocks.assertStored(ssd, "a", SIZE);
            Blocks.assertStored(ssd, "c", SIZE);
            assertEquals(2 * SIZE, ssd.usedBytes(), "the damaged copy's space is free again");
        }
        try (SsdTier reopened = SsdTier.open(config())) {
            assertEquals(List.of("a", "c"), Blocks.keys(reopened));
        }
    }

    @Test
    void aDamagedLastPageIsCaughtToo() throws IOException {
        try (SsdTier ssd = SsdTier.open(config())) {
            Blocks.put(ssd, "odd", SIZE + 5);
            flip(ssd.offsetOf("odd") + SIZE + 4, 1);
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, assertThrows(KvGridException.class, () -> ssd.get("odd")).code());
            assertFalse(ssd.contains("odd"));
        }
    }

    @Test
    void verifyOnRecoveryDropsDamagedBlocksWhileOpeningAfterAnUncleanStop() throws IOException {
        long offB;
        try (SsdTier ssd = SsdTier.open(config())) {
            for (String k : List.of("a", "b", "c"))
                Blocks.put(ssd, k, SIZE);
            offB = ssd.offsetOf("b");
        }
        Files.delete(dir.resolve(SsdTier.CLEAN_MARKER)); // as if the process had been killed
        flip(offB, 1);
        try (SsdTier ssd = SsdTier.open(config().setVerifyOnRecovery(true))) {
            assertTrue(ssd.recoveredOnOpen());
            assertEquals(List.of("b:CORRUPT"), events);
            assertEquals(List.of("a", "c"), Blocks.keys(ssd));
            Blocks.assertStored(ssd, "a", SIZE);
            assertTrue(Blocks.put(ssd, "d", SIZE));
            Blocks.assertStored(ssd, "c", SIZE);
        }
    }

    @Test
    void aTruncatedDataFileNeverYieldsWrongBytes() throws IOException {
        try (SsdTier ssd = SsdTier.open(config())) {
            Blocks.put(ssd, "a", SIZE);
            Blocks.put(ssd, "b", SIZE);
        }
        // Cut the file in the middle of b; opening restores the file's length (sparse zeros).
        try (FileChannel ch = FileChannel.open(dir.resolve(SsdTier.DATA_FILE), StandardOpenOption.WRITE)) {
            ch.truncate(SIZE + SIZE / 2);
        }
        try (SsdTier ssd = SsdTier.open(config())) {
            Blocks.assertStored(ssd, "a", SIZE);
            byte[][] got = new byte[1][];
            KvGridException e = assertThrows(KvGridException.class, () -> got[0] = ssd.get("b"));
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
            assertEquals(null, got[0]);
            assertEquals(List.of("b:CORRUPT"), events);
            assertFalse(Arrays.asList(Blocks.keys(ssd).toArray()).contains("b"));
        }
    }
}
