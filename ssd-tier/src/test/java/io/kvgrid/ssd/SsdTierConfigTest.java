package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdTierConfigTest {
    @TempDir
    Path dir;

    private static void assertInvalid(String property, Executable e) {
        KvGridException ex = assertThrows(KvGridException.class, e);
        assertEquals(ErrorCode.INVALID_CONFIG, ex.code(), ex.getMessage());
        assertEquals(property, ex.argument(), ex.getMessage());
    }

    @Test
    void capacityBelow64KiBIsRejectedNamingTheProperty() {
        assertInvalid("capacityBytes", () -> new SsdTierConfig().setCapacityBytes(64 * 1024 - 1));
        assertInvalid("capacityBytes", () -> new SsdTierConfig().setCapacityBytes(-1));
    }

    @Test
    void nullOrBlankDirectoryIsRejected() {
        assertInvalid("directory", () -> new SsdTierConfig().setDirectory(null));
        assertInvalid("directory", () -> new SsdTierConfig().setDirectory(Path.of(" ")));
    }

    @Test
    void missingRequiredSettingsAreReportedAtOpen() {
        assertInvalid("directory", () -> SsdTier.open(new SsdTierConfig().setCapacityBytes(1 << 20)));
        assertInvalid("capacityBytes", () -> SsdTier.open(new SsdTierConfig().setDirectory(dir)));
        assertInvalid("config", () -> SsdTier.open(null));
    }

    @Test
    void maxBlocksThatConflictWithCapacityIsRejectedWhicheverIsSetSecond() {
        assertInvalid("maxBlocks", () -> new SsdTierConfig().setCapacityBytes(1 << 20).setMaxBlocks(257));
        assertInvalid("capacityBytes", () -> new SsdTierConfig().setMaxBlocks(257).setCapacityBytes(1 << 20));
        assertInvalid("maxBlocks", () -> new SsdTierConfig().setMaxBlocks(-1));
        assertEquals(256, new SsdTierConfig().setCapacityBytes(1 << 20).setMaxBlocks(256).getMaxBlocks());
    }

    @Test
    void nullGuardOrListenerIsRejected() {
        assertInvalid("dropGuard", () -> new SsdTierConfig().setDropGuard(null));
        assertInvalid("dropListener", () -> new SsdTierConfig().setDropListener(null));
    }

    @Test
    void aDirectoryPathThatIsAFileIsRejected() throws Exception {
        Path file = Files.createFile(dir.resolve("not-a-dir"));
        assertInvalid("directory", () -> SsdTier.open(file, 1 << 20));
    }

    @Test
    void aDirectoryCanBeOpenedByOnlyOneTierAtATime() {
        try (SsdTier first = SsdTier.open(dir, 1 << 20)) {
            assertInvalid("directory", () -> SsdTier.open(dir, 1 << 20));
            assertTrue(Blocks.put(first, "still-usable", 4096));
        }
        try (SsdTier second = SsdTier.open(dir, 1 << 20)) {
            Blocks.assertStored(second, "still-usable", 4096);
        }
    }

    @Test
    void changingTheConfigAfterOpenDoesNotReachTheTier() {
        SsdTierConfig cfg = Blocks.config(dir, 1 << 20);
        try (SsdTier ssd = SsdTier.open(cfg)) {
            cfg.setDropGuard(key -> false);
            for (int i = 0; i < 20; i++)
                assertTrue(Blocks.put(ssd, "k" + i, Blocks.KIB_64));
            assertFalse(ssd.contains("k0"));
            assertEquals(1 << 20, ssd.capacityBytes());
        }
    }
}
