package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A block that cannot fit in a node's region even when it is empty is refused before anything is evicted. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class OversizedPutTest {
    @Test
    void aPutLargerThanTheRegionIsRefusedAndEvictsNothing() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDataRegionBytes(48L << 20);
        cfg.setDefaultReplicas(1);
        try (TestCluster c = TestCluster.start(1, cfg)) {
            BlockStore s = c.store(0);
            for (int i = 0; i < 20; i++)
                s.put("big/" + i, Payload.of("big/" + i, 1 << 20));
            KvGridException e = assertThrows(KvGridException.class,
                () -> s.put("big/huge", new byte[60 << 20]));
            assertEquals(ErrorCode.NO_SPACE, e.code());
            assertTrue(e.getMessage().contains("cannot fit even in an empty block region"), e.getMessage());
            assertEquals(0, s.localStats().evictions(), "nothing was evicted for a put that could never fit");
            for (int i = 0; i < 20; i++)
                Payload.assertPayload("big/" + i, 1 << 20, s.get("big/" + i));
            assertTrue(!s.exists("big/huge"));
        }
    }
}
