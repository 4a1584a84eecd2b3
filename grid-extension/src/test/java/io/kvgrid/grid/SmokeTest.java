package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(600)
class SmokeTest {
    @Test
    void aBlockPutOnOneNodeReadsBackOnAnother() {
        try (TestCluster c = TestCluster.start(2)) {
            BlockStore a = c.store(0);
            byte[] v = Payload.of("k", 100_000);
            assertTrue(a.put("k", v).stored());
            assertArrayEquals(v, c.store(1).get("k"));
            assertEquals(2, a.query("k").orElseThrow().replicaNodes().size());
        }
    }
}
