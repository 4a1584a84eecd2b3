package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(600)
class PreTouchTest {
    @Test
    void aPreTouchedNodeHasFaultedInItsRegionAndStartsEmpty() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setPreTouchRegion(true);
        try (TestCluster c = TestCluster.start(2, cfg)) {
            for (int n = 0; n < 2; n++) {
                var m = c.node(n).ignite().dataRegionMetrics("kvgrid-blocks");
                long capacityPages = KvGridRuntime.governor(c.node(n).ignite()).capacity() / m.getPageSize();
                assertTrue(m.getTotalAllocatedPages() > capacityPages * 0.8,
                    "node " + n + " allocated " + m.getTotalAllocatedPages() + " of " + capacityPages + " pages");
                assertTrue(m.getTotalUsedPages() < capacityPages * 0.1, "the scratch blocks are gone again");
                assertEquals(0, c.store(n).localStats().blocks());
            }
            byte[] v = Payload.of("after", 1 << 20);
            c.store(0).put("after", v);
            assertArrayEquals(v, c.store(1).get("after"));
        }
    }
}
