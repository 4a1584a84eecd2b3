package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.grid.Governors;
import io.kvgrid.ssd.SsdTierFactory;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Bytes flipped on disk under a spilled block: the grid refuses them and forgets that copy. */
@Timeout(600)
class SsdCorruptionTest {
    private static final int BLOCK = 512 * 1024;
    private static final int ALIGN = 4096;

    @Test
    void flippedBytesUnderASpilledBlockFailTheReadWithChecksumMismatchAndTheBlockIsThenAbsent(
        @TempDir(factory = BuildDirTempDirs.class) Path dir) throws IOException {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDefaultReplicas(1);
        cfg.setTicker(clock::get);
        cfg.setTiers(java.util.List.of(io.kvgrid.KvGridConfiguration.MEMORY, new SsdTierFactory().setDirectory(dir.toString()).setCapacityBytes(16L << 20)));
        try (TestCluster c = TestCluster.start(2, cfg)) {
            List<String> keys = List.of("bad-a", "bad-b", "good-0", "good-1", "good-2", "good-3");
            for (String k : keys)
                c.store(0).put(k, Payload.of(k, BLOCK));
            clock.addAndGet(60_000);
            for (int n = 0; n < 2; n++)
                Governors.evictAll(c.node(n), clock.get());
            for (String k : keys)
                assertEquals(Set.of(Tier.SSD), c.store(1).query(k).orElseThrow().tiers(), k);

            // One damaged block is read by the node whose SSD holds it, the other through a remote node.
            Extent a = locate(dir, Payload.of("bad-a", BLOCK));
            Extent b = locate(dir, Payload.of("bad-b", BLOCK));
            flip(a.file, a.offset + BLOCK / 2, 32);
            flip(b.file, b.offset + BLOCK - 1, 1);
            int holderA = holder(c, a);
            assertTrue(c.store(holderA).exists("bad-a"), "the damage is unknown before a read");
            assertChecksumMismatch(c, holderA, "bad-a");
            assertChecksumMismatch(c, 1 - holder(c, b), "bad-b");

            for (String k : List.of("bad-a", "bad-b"))
                for (int n = 0; n < 2; n++) {
                    BlockStore s = c.store(n);
                    assertFalse(s.exists(k), k + ": the damaged copy was dropped, node " + n);
                    assertTrue(s.query(k).isEmpty(), k + " has no metadata left");
                    KvGridException e = assertThrows(KvGridException.class, () -> s.get(k));
                    assertEquals(ErrorCode.NOT_FOUND, e.code(), e.toString());
                }
            List<String> good = keys.subList(2, keys.size());
            for (int n = 0; n < 2; n++) {
                assertEquals(good.size(), c.store(n).lookupOnPrefixLength(good));
                for (String k : good)
                    Payload.assertPayload(k, BLOCK, c.store(n).get(k));
            }
        }
    }

    private static void assertChecksumMismatch(TestCluster c, int reader, String key) {
        KvGridException e = assertThrows(KvGridException.class, () -> c.store(reader).get(key),
            key + " must not be returned with flipped bytes");
        assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code(), e.toString());
    }

    /** Index of the node whose SSD directory ({@code <dir>/<consistent id>}) holds the extent. */
    private static int holder(TestCluster c, Extent e) {
        String dirName = e.file.getParent().getFileName().toString();
        for (int n = 0; n < c.size(); n++)
            if (dirName.equals(String.valueOf(c.node(n).ignite().cluster().localNode().consistentId())))
                return n;
        throw new AssertionError("no node owns " + e.file);
    }

    private record Extent(Path file, long offset) {
    }

    /** Finds the 4 KiB-aligned extent of blocks.dat (any node's) that begins with the payload's first page. */
    private static Extent locate(Path dir, byte[] payload) throws IOException {
        byte[] head = Arrays.copyOf(payload, ALIGN);
        ByteBuffer page = ByteBuffer.allocate(ALIGN);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("blocks.dat")).toList()) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    for (long off = 0; off + ALIGN <= ch.size(); off += ALIGN) {
                        page.clear();
                        while (page.hasRemaining() && ch.read(page, off + page.position()) > 0) {
                        }
                        if (Arrays.equals(head, page.array()))
                            return new Extent(f, off);
                    }
                }
            }
        }
        throw new AssertionError("no SSD data file under " + dir + " holds the spilled payload");
    }

    private static void flip(Path file, long offset, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            ch.read(b, offset);
            for (int i = 0; i < len; i++)
                b.put(i, (byte) ~b.get(i));
            b.rewind();
            ch.write(b, offset);
            ch.force(true);
        }
    }
}
