package io.kvgrid.it;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import io.kvgrid.PutResult;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.client.ServerStats;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three server processes, two copies of every block, filled until the nodes evict, then every block leased by a
 * lookup. kill -9 of one node: both survivors stay up, since the copies they are asked to take are governed like puts.
 * While the leases hold, no room can be made: the copies wait (reported), and every block is read back with its
 * bytes. Once the leases expire the survivors evict to make room and take the copies; a block is then either read
 * back right or was evicted.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NodeLossTest {
    private static final long REGION = 64L << 20;
    private static final int BLOCK = 256 << 10;
    private static final long LEASE_MS = 20_000;

    @Test
    void killingANodeOfAFullClusterTakesNoOtherNodeDownAndCopiesReturnWithRoom(@TempDir Path tmp) throws Exception {
        try (ServerProcesses servers = ServerProcesses.start(3, tmp, REGION, "loss", "leaseMs=" + LEASE_MS);
             KvGridClient client = KvGridClient.connect(servers.hosts())) {
            List<String> written = fillPastTheWatermark(client);
            // Every block still held is leased by a lookup: the survivors cannot evict to make room for copies.
            List<String> held = new ArrayList<>();
            boolean[] found = client.lookup(written);
            for (int i = 0; i < found.length; i++)
                if (found[i])
                    held.add(written.get(i));
            assertTrue(held.size() >= 40, "blocks held at the kill: " + held.size());
            long evictionsBefore = survivors(client, s -> s.stats().evictions());

            servers.kill(0);
            // Long enough for failure detection, the exchange and the survivors' first attempts to take copies.
            for (int s = 0; s < 8; s++) {
                Thread.sleep(1_000);
                assertTrue(servers.alive(1) && servers.alive(2), "survivors up " + s + " s after the kill");
            }
            await("survivors report copies waiting for room").atMost(Duration.ofSeconds(20))
                .until(() -> survivors(client, ServerStats::copiesWaiting) > 0);
            for (String k : held)
                assertArrayEquals(Payload.of(k, BLOCK), client.get(k), "leased block " + k);
            assertTrue(servers.alive(1) && servers.alive(2), "survivors up while copies wait");
            long evictionsWhileLeased = survivors(client, s -> s.stats().evictions()) - evictionsBefore;
            assertTrue(evictionsWhileLeased == 0, "no leased block evicted: " + evictionsWhileLeased);

            // Leases run out: the survivors evict the oldest blocks to make room, and take the copies.
            long restored = survivors(client, ServerStats::copiesRestored);
            await("copies restored once leases expire").atMost(Duration.ofSeconds(LEASE_MS / 1000 + 60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    assertTrue(servers.alive(1) && servers.alive(2), "survivors up while copies return");
                    return survivors(client, ServerStats::copiesRestored) > restored
                        && survivors(client, ServerStats::copiesWaiting) == 0;
                });
            int missing = 0;
            for (String k : held) {
                try {
                    assertArrayEquals(Payload.of(k, BLOCK), client.get(k), "block " + k);
                } catch (KvGridException e) {
                    assertTrue(e.code() == ErrorCode.NOT_FOUND, "read of " + k + ": " + e);
                    missing++;
                }
            }
            long evicted = survivors(client, s -> s.stats().evictions()) - evictionsBefore;
            assertTrue(missing <= evicted, missing + " blocks gone, the survivors evicted " + evicted);
            assertTrue(missing < held.size(), "blocks kept: " + (held.size() - missing) + " of " + held.size());
            PutResult r = client.put("after-the-kill", Payload.of("after-the-kill", BLOCK));
            assertArrayEquals(Payload.of("after-the-kill", BLOCK), client.get("after-the-kill"), "written after " + r);
            assertTrue(servers.alive(1) && servers.alive(2), "survivors up at the end");
        }
    }

    /** Puts 256 KiB blocks (two copies) until the nodes have evicted for a while; returns the keys written. */
    static List<String> fillPastTheWatermark(KvGridClient client) {
        List<String> written = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (int batch = 0; batch < 60 && System.nanoTime() < deadline; batch++) {
            List<String> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String k = "block-" + (batch * 16 + i);
                keys.add(k);
                values.add(Payload.of(k, BLOCK));
            }
            for (KeyResult<PutResult> r : client.batchPut(keys, values))
                if (r.ok())
                    written.add(r.key());
            if (batch >= 25 && full(client.serverStats()))
                break;
        }
        assertTrue(full(client.serverStats()), "nodes evicting, the survivors-to-be at least 70% full: " + client.serverStats());
        return written;
    }

    private static boolean full(List<ServerStats> stats) {
        return stats.stream().anyMatch(s -> s.stats().evictions() > 0)
            && stats.stream().filter(s -> !s.consistentId().endsWith("-0"))
                .allMatch(s -> s.stats().bytesUsed() >= 0.7 * s.stats().capacityBytes());
    }

    /** The sum of {@code counter} over the servers other than the killed one. */
    private static long survivors(KvGridClient client, ToLongFunction<ServerStats> counter) {
        long n = 0;
        for (ServerStats s : client.serverStats())
            if (!s.consistentId().endsWith("-0"))
                n += counter.applyAsLong(s);
        return n;
    }

}
