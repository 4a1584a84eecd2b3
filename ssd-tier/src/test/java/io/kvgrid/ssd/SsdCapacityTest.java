package io.kvgrid.ssd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.kvgrid.ssd.Blocks.KIB_64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdCapacityTest {
    @TempDir
    Path dir;
    final List<String> dropped = new ArrayList<>();

    private SsdTier open(long capacity) {
        return SsdTier.open(Blocks.config(dir, capacity).setDropListener((key, reason) -> {
            assertEquals(DropReason.CAPACITY, reason);
            dropped.add(key);
        }));
    }

    private static List<String> names(int from, int to) {
        return IntStream.range(from, to).mapToObj(i -> "k" + i).collect(Collectors.toList());
    }

    @Test
    void spillingTenTimesTheCapacityKeepsExactlyTheNewestBlocks() {
        try (SsdTier ssd = open(8 * KIB_64)) {
            for (int i = 0; i < 80; i++)
                assertTrue(Blocks.put(ssd, "k" + i, KIB_64), "put k" + i);
            assertEquals(names(72, 80), Blocks.keys(ssd));
            assertEquals(names(0, 72), dropped);
            for (int i = 72; i < 80; i++)
                Blocks.assertStored(ssd, "k" + i, KIB_64);
            assertEquals(8 * KIB_64, ssd.usedBytes());
            assertEquals(8, ssd.blockCount());
        }
    }

    @Test
    void readingABlockMakesItTheMostRecentlyUsed() {
        try (SsdTier ssd = open(8 * KIB_64)) {
            for (int i = 0; i < 8; i++)
                Blocks.put(ssd, "k" + i, KIB_64);
            Blocks.assertStored(ssd, "k0", KIB_64);
            Blocks.put(ssd, "k8", KIB_64);
            Blocks.put(ssd, "k9", KIB_64);
            assertEquals(List.of("k1", "k2"), dropped);
            assertEquals(List.of("k3", "k4", "k5", "k6", "k7", "k0", "k8", "k9"), Blocks.keys(ssd));
        }
    }

    @Test
    void aLargerBlockDropsOldBlocksUntilOneContiguousExtentFits() {
        try (SsdTier ssd = open(8 * KIB_64)) {
            for (int i = 0; i < 4; i++)
                Blocks.put(ssd, "k" + i, 2 * KIB_64);
            assertTrue(Blocks.put(ssd, "big", 4 * KIB_64));
            assertEquals(List.of("k0", "k1"), dropped);
            Blocks.assertStored(ssd, "big", 4 * KIB_64);
            Blocks.assertStored(ssd, "k2", 2 * KIB_64);
            Blocks.assertStored(ssd, "k3", 2 * KIB_64);
        }
    }

    @Test
    void theBlockCountLimitAlsoDropsLeastRecentlyUsedBlocks() {
        try (SsdTier ssd = SsdTier.open(Blocks.config(dir, 4 << 20).setMaxBlocks(4)
            .setDropListener((k, r) -> dropped.add(k)))) {
            for (int i = 0; i < 10; i++)
                assertTrue(Blocks.put(ssd, "k" + i, 4096));
            assertEquals(names(6, 10), Blocks.keys(ssd));
            assertEquals(names(0, 6), dropped);
        }
    }

    @Test
    void replacingAKeyInAFullTierDropsAnOlderBlockNotTheKeyItself() {
        try (SsdTier ssd = open(4 * KIB_64)) {
            for (int i = 0; i < 4; i++)
                Blocks.put(ssd, "k" + i, KIB_64);
            assertTrue(Blocks.put(ssd, "k0", KIB_64 - 7));
            assertEquals(List.of("k1"), dropped);
            Blocks.assertStored(ssd, "k0", KIB_64 - 7);
        }
    }

    @Test
    void aSingleBlockTierCannotReplaceItsOnlyBlockInPlace() {
        try (SsdTier ssd = open(KIB_64)) {
            assertTrue(Blocks.put(ssd, "only", KIB_64));
            assertFalse(Blocks.put(ssd, "only", KIB_64 - 1), "the old copy is kept until a new one is written");
            Blocks.assertStored(ssd, "only", KIB_64);
            assertTrue(dropped.isEmpty());
        }
    }
}
