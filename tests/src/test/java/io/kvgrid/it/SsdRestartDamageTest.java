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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose SSD data file was damaged while it was down (random pages overwritten, or the file cut short) starts
 * anyway: damaged blocks are dropped, intact ones are served byte for byte, and no wrong byte is ever returned.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SsdRestartDamageTest {
    private static final int BLOCK = 256 * 1024;
    private static final int PAGE = 4096;
    private static final int BLOCKS = 40;

    @Test
    void aNodeStartsOverOverwrittenPagesAndServesTheIntactBlocks(@TempDir(factory = BuildDirTempDirs.class) Path dir)
        throws IOException {
        List<String> keys = spillAndStop(dir);
        Path file = dataFile(dir);
        Random rnd = new Random(42);
        long used = (long) BLOCKS * BLOCK;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            byte[] junk = new byte[PAGE];
            for (int i = 0; i < 12; i++) {
                rnd.nextBytes(junk);
                ch.write(ByteBuffer.wrap(junk), (rnd.nextLong() & Long.MAX_VALUE) % (used / PAGE) * PAGE);
            }
            ch.force(true);
        }
        int[] goodBad = restartAndRead(dir, keys);
        assertTrue(goodBad[0] > 0 && goodBad[1] > 0, "some blocks intact, some damaged: " + Arrays.toString(goodBad));
    }

    @Test
    void aNodeStartsOverATruncatedFileAndServesTheBlocksBeforeTheCut(@TempDir(factory = BuildDirTempDirs.class) Path dir)
        throws IOException {
        List<String> keys = spillAndStop(dir);
        Path file = dataFile(dir);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate((long) BLOCKS * BLOCK / 2);
        }
        int[] goodBad = restartAndRead(dir, keys);
        assertTrue(goodBad[0] >= BLOCKS / 4 && goodBad[1] >= BLOCKS / 4, Arrays.toString(goodBad));
    }

    private static KvGridConfiguration config(Path dir, AtomicLong clock) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDefaultReplicas(1);
        cfg.setTicker(clock::get);
        cfg.setTiers(java.util.List.of(io.kvgrid.KvGridConfiguration.MEMORY, new SsdTierFactory().setDirectory(dir.toString()).setCapacityBytes(32L << 20)));
        return cfg;
    }

    /** Stores the blocks, evicts them all to the SSD tier and stops the node cleanly. */
    private static List<String> spillAndStop(Path dir) {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        List<String> keys = new ArrayList<>();
        try (TestCluster c = TestCluster.start(0, config(dir, clock))) {
            c.addNode("damaged");
            for (int i = 0; i < BLOCKS; i++) {
                keys.add("dmg-" + i);
                c.store(0).put("dmg-" + i, Payload.of("dmg-" + i, BLOCK));
            }
            clock.addAndGet(60_000);
            Governors.evictAll(c.node(0), clock.get());
            for (String k : keys)
                assertEquals(Set.of(Tier.SSD), c.store(0).query(k).orElseThrow().tiers(), k);
        }
        return keys;
    }

    /** Restarts the node on {@code dir}; every block reads back exactly or is gone. Returns {intact, gone}. */
    private static int[] restartAndRead(Path dir, List<String> keys) {
        AtomicLong clock = new AtomicLong(2_000_000_000L);
        try (TestCluster c = TestCluster.start(0, config(dir, clock))) {
            c.addNode("damaged");
            BlockStore s = c.store(0);
            int good = 0;
            int gone = 0;
            for (String k : keys) {
                try {
                    assertArrayEquals(Payload.of(k, BLOCK), s.get(k), k + " read back with wrong bytes");
                    good++;
                } catch (KvGridException e) {
                    assertTrue(e.code() == ErrorCode.NOT_FOUND || e.code() == ErrorCode.CHECKSUM_MISMATCH, e.toString());
                    gone++;
                    assertTrue(!s.exists(k), k + " is gone after its damage was found");
                }
            }
            return new int[] {good, gone};
        }
    }

    private static Path dataFile(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().equals("blocks.dat")).findFirst().orElseThrow();
        }
    }
}
