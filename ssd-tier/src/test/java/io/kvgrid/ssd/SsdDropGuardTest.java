package io.kvgrid.ssd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.kvgrid.ssd.Blocks.KIB_64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdDropGuardTest {
    @TempDir
    Path dir;
    final Set<String> pinned = ConcurrentHashMap.newKeySet();
    final List<String> dropped = new ArrayList<>();

    private SsdTier open(long capacity) {
        return SsdTier.open(Blocks.config(dir, capacity)
            .setDropGuard(key -> !pinned.contains(key))
            .setDropListener((key, reason) -> dropped.add(key)));
    }

    @Test
    void guardedBlocksSurviveAndTheNextLeastRecentlyUsedOnesGoInstead() {
        pinned.addAll(List.of("k0", "k1"));
        try (SsdTier ssd = open(8 * KIB_64)) {
            for (int i = 0; i < 20; i++)
                assertTrue(Blocks.put(ssd, "k" + i, KIB_64));
            assertEquals(List.of("k0", "k1", "k14", "k15", "k16", "k17", "k18", "k19"), Blocks.keys(ssd));
            assertFalse(dropped.contains("k0") || dropped.contains("k1"));
            assertEquals(12, dropped.size());
            Blocks.assertStored(ssd, "k0", KIB_64);
            Blocks.assertStored(ssd, "k1", KIB_64);
        }
    }

    @Test
    void whenNothingMayBeDroppedPutReturnsFalseAndKeepsEverything() {
        try (SsdTier ssd = open(8 * KIB_64)) {
            for (int i = 0; i < 8; i++) {
                Blocks.put(ssd, "k" + i, KIB_64);
                pinned.add("k" + i);
            }
            assertFalse(Blocks.put(ssd, "late", KIB_64));
            assertFalse(ssd.contains("late"));
            assertTrue(dropped.isEmpty());
            for (int i = 0; i < 8; i++)
                Blocks.assertStored(ssd, "k" + i, KIB_64);
            pinned.remove("k5");
            assertTrue(Blocks.put(ssd, "late", KIB_64));
            assertEquals(List.of("k5"), dropped);
        }
    }

    @Test
    void whenTheDroppableBlocksCannotMakeOneContiguousExtentNothingIsDropped() {
        try (SsdTier ssd = open(4 * KIB_64)) {
            for (String k : List.of("a", "b", "c", "d"))
                Blocks.put(ssd, k, KIB_64);
            pinned.addAll(List.of("b", "d"));   // a and c are free to go, but they are not adjacent
            assertFalse(Blocks.put(ssd, "wide", 2 * KIB_64));
            assertTrue(dropped.isEmpty());
            assertEquals(List.of("a", "b", "c", "d"), Blocks.keys(ssd));
            pinned.remove("b");
            assertTrue(Blocks.put(ssd, "wide", 2 * KIB_64));
            assertEquals(List.of("a", "b"), dropped);
            Blocks.assertStored(ssd, "wide", 2 * KIB_64);
        }
    }
}
