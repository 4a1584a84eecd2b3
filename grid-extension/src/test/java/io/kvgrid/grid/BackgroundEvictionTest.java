package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eviction ahead of writers: past the low watermark the node's background eviction brings the fill back to it, so a
 * put into a full region finds room without evicting on its own thread; the two watermarks are checked against each
 * other.
 */
@Timeout(120)
class BackgroundEvictionTest {
    private static final int BLOCK = 256 << 10;

    @Test
    void writesThatPassTheLowWatermarkAreFollowedByBackgroundEvictionNotByInlineEviction() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDefaultReplicas(1);
        cfg.setHighWatermark(0.9);
        cfg.setLowWatermark(0.6);
        try (TestCluster c = TestCluster.start(1, cfg)) {
            BlockStore store = c.store(0);
            SpaceGovernor g = KvGridRuntime.governor(c.node(0).ignite());
            long low = (long) (g.capacity() * 0.6);
            // Two regions' worth of blocks, a few at a time, waiting for the background between writes so that a
            // writer never finds the region past the high watermark.
            int n = (int) (2 * g.capacity() / BLOCK);
            for (int i = 0; i < n; i++) {
                store.put("b" + i, Payload.of("b" + i, BLOCK));
                if (g.used() > low)
                    await("background eviction back to the low watermark").atMost(Duration.ofSeconds(20))
                        .pollInterval(Duration.ofMillis(5))
                        .until(() -> g.used() <= low + BLOCK);
            }
            assertTrue(g.watermarkEvictions() > 0, "the background evicted: " + g.watermarkEvictions());
            assertEquals(0, g.roomEvictions(), "no writer had to evict for room");
            String last = "b" + (n - 1);
            assertArrayEquals(Payload.of(last, BLOCK), store.get(last));
        }
    }

    @Test
    void theLowWatermarkDefaultsJustBelowTheHighOneAndMustStayBelowIt() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        assertEquals(0.85, cfg.getLowWatermark(), 1e-9);
        cfg.setHighWatermark(0.5);
        assertEquals(0.45, cfg.getLowWatermark(), 1e-9, "follows the high watermark while unset");
        KvGridException above = assertThrows(KvGridException.class, () -> cfg.setLowWatermark(0.5));
        assertEquals(ErrorCode.INVALID_CONFIG, above.code());
        assertEquals("lowWatermark", above.argument());
        cfg.setLowWatermark(0.3);
        KvGridException below = assertThrows(KvGridException.class, () -> cfg.setHighWatermark(0.3));
        assertEquals("highWatermark", below.argument());
        assertEquals(0.5, cfg.getHighWatermark(), 1e-9, "a refused setting changes nothing");
        assertEquals(0.3, new KvGridConfiguration(cfg).getLowWatermark(), 1e-9, "copied");
    }
}
