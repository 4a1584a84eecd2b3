package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.TierStoreFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code KvGridConfiguration.tiers}: validated when set, conflicting lists rejected, the old value kept. */
@Timeout(60)
class TiersConfigurationTest {
    private final TierStoreFactory ssd = ctx -> null;
    private final TierStoreFactory gpu = ctx -> null;

    private static void rejected(KvGridConfiguration cfg, Executable set, String why) {
        List<Object> before = cfg.getTiers();
        KvGridException e = assertThrows(KvGridException.class, set, why);
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("tiers", e.argument());
        assertEquals(before, cfg.getTiers(), "a rejected setting changes nothing");
    }

    @Test
    void memoryAloneIsTheDefault() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        assertEquals(List.of("memory"), cfg.getTiers());
        assertFalse(cfg.hasTiersBelowMemory());
    }

    @Test
    void anySubsetAroundMemoryIsAccepted() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setTiers(List.of(gpu, "memory", ssd));
        assertEquals(List.of(gpu, "memory", ssd), cfg.getTiers());
        assertTrue(cfg.hasTiersBelowMemory());
        cfg.setTiers(List.of(gpu, " Memory "));
        assertEquals(List.of(gpu, "memory"), cfg.getTiers());
        assertFalse(cfg.hasTiersBelowMemory());
        assertEquals(List.of(gpu, "memory"), new KvGridConfiguration(cfg).getTiers(), "copies keep the tiers");
    }

    @Test
    void listsWithoutMemoryOrWithItTwiceOrWithStrangersAreRejected() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setTiers(List.of("memory", ssd));
        rejected(cfg, () -> cfg.setTiers(List.of(ssd)), "memory is always there");
        rejected(cfg, () -> cfg.setTiers(List.of("memory", "memory")), "memory once");
        rejected(cfg, () -> cfg.setTiers(List.of("memory", "ssd")), "a name is not a tier factory");
        rejected(cfg, () -> cfg.setTiers(List.of("memory", ssd, ssd)), "one factory twice");
        rejected(cfg, () -> cfg.setTiers(Arrays.asList("memory", null)), "null element");
        rejected(cfg, () -> cfg.setTiers(null), "null list");
    }
}
