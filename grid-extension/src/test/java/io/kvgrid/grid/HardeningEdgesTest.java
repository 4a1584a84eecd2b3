package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Refusals that say why: runaway regexes, keys that are not text, use after close, misconfigured nodes. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HardeningEdgesTest {
    private static KvGridException fails(ErrorCode code, String arg, Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(arg, e.argument(), e.getMessage());
        return e;
    }

    @Test
    void aRegexThatBacktracksForeverFailsWithTimeoutAndKeysThatAreNotTextAreRefused() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setRegexTimeoutMillis(300);
        try (TestCluster c = TestCluster.start(2, cfg)) {
            BlockStore s = c.store(0);
            for (int i = 0; i < 100; i++)
                s.put("a".repeat(40) + i, new byte[] {1});
            long t0 = System.nanoTime();
            fails(ErrorCode.TIMEOUT, "regex", () -> s.listKeys("(.*a){20}"));
            fails(ErrorCode.TIMEOUT, "regex", () -> s.removeByRegex("(.*a){20}", true));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20), "bounded by regexTimeoutMillis");
            assertEquals(100, s.listKeys("a+[0-9]+").size(), "an ordinary regex still works; nothing was removed");

            int before = s.listKeys(".*").size();
            fails(ErrorCode.INVALID_KEY, "key", () -> s.put("a\uD800", new byte[1]));
            fails(ErrorCode.INVALID_KEY, "key", () -> s.put("\uDC00b", new byte[1]));
            fails(ErrorCode.INVALID_KEY, "key", () -> s.put("tab\there", new byte[1]));
            fails(ErrorCode.INVALID_KEY, "key", () -> s.remove("a\uD800"));
            fails(ErrorCode.INVALID_KEY, "keys[0]", () -> s.batchGet(List.of("c1\u0085")));
            s.put("pair-\uD83D\uDE00", new byte[] {2});   // a surrogate pair is fine
            fails(ErrorCode.INVALID_ARGUMENT, "softPin", () -> s.put("pin-overflow", new byte[1],
                io.kvgrid.PutOptions.builder().softPin(java.time.Duration.ofSeconds(Long.MAX_VALUE)).build()));
            var task = s.dump(List.of("task-null"), new int[1], List.of(ByteBuffer.wrap(new byte[] {3})));
            fails(ErrorCode.INVALID_ARGUMENT, "timeout", () -> task.await(null));
            task.await(java.time.Duration.ofSeconds(Long.MAX_VALUE));
            assertEquals(before + 2, s.listKeys(".*").size(), "only the valid keys were stored");
        }
    }

    @Test
    void everyOperationAfterCloseFailsWithNodeUnavailable() {
        try (TestCluster c = TestCluster.start(1)) {
            BlockStore s = c.store(0);
            s.put("closing", new byte[] {1});
            c.stopNode(0);
            fails(ErrorCode.NODE_UNAVAILABLE, null, () -> s.put("after", new byte[1]));
            fails(ErrorCode.NODE_UNAVAILABLE, null, () -> s.get("closing"));
            fails(ErrorCode.NODE_UNAVAILABLE, null, () -> s.lookup(List.of("closing")));
            fails(ErrorCode.NODE_UNAVAILABLE, null, () -> s.listKeys(".*"));
            fails(ErrorCode.NODE_UNAVAILABLE, null,
                () -> s.dump(List.of("d"), new int[1], List.of(ByteBuffer.allocate(4))).await());
        }
    }

    @Test
    void aNodeWithAnotherPartitionCountIsRefusedSayingSo() {
        try (TestCluster c = TestCluster.start(1)) {
            KvGridConfiguration other = TestCluster.smallConfig();
            other.setPartitions(128);
            KvGridException e = fails(ErrorCode.INVALID_CONFIG, "partitions", () -> KvGrid.start(
                KvGrid.embeddedConfiguration("odd-" + c.discoveryPort(), other, c.discoveryPort())));
            assertTrue(e.getMessage().contains("128") && e.getMessage().contains("64"), e.getMessage());
            assertEquals(1, c.node(0).ignite().cluster().nodes().size());
        }
    }

    @Test
    void aClientNodeWithNoServerGivesUpAfterItsJoinTimeout() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setJoinTimeoutMillis(1_500);
        int port = LoopbackPorts.freeRange(KvGrid.DISCOVERY_PORT_RANGE + KvGrid.THIN_CLIENT_PORT_RANGE);
        long t0 = System.nanoTime();
        fails(ErrorCode.NODE_UNAVAILABLE, "joinTimeoutMillis", () -> {
            KvGridNode n = KvGrid.start(KvGrid.embeddedConfiguration("lonely-" + port, cfg, port).setClientMode(true));
            n.close();
        });
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30), "bounded wait");
    }
}
