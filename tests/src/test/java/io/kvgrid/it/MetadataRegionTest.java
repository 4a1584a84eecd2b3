package io.kvgrid.it;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.PutResult;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.client.ServerStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three server processes with a 16 MiB metadata region take blocks with 1,000-character keys and 1 KiB values until
 * far more records were offered than the region holds: no node halts, every put either succeeds or gets NO_SPACE, and
 * the nodes evict whole blocks to make room in the metadata region.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MetadataRegionTest {
    private static final long META_REGION = 16L << 20;

    @Test
    void longKeysPastTheMetadataRegionNeverHaltANode(@TempDir Path tmp) throws Exception {
        try (ServerProcesses servers = ServerProcesses.start(3, tmp, 64L << 20, "meta", String.valueOf(META_REGION));
             KvGridClient client = KvGridClient.connect(servers.hosts())) {
            String pad = "k".repeat(990);
            Map<String, Integer> errors = new TreeMap<>();
            List<String> stored = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            // ~2.3 KB a record copy, every node holding every record (3 copies on 3 nodes): the region holds ~7,000.
            for (int batch = 0; batch < 300 && System.nanoTime() < deadline; batch++) {
                List<String> keys = new ArrayList<>();
                List<byte[]> values = new ArrayList<>();
                for (int i = 0; i < 64; i++) {
                    String k = String.format("%s-%06d", pad, batch * 64 + i);
                    keys.add(k);
                    values.add(value(batch * 64 + i));
                }
                for (KeyResult<PutResult> r : client.batchPut(keys, values)) {
                    if (r.ok())
                        stored.add(r.key());
                    else
                        errors.merge(r.error().code().name(), 1, Integer::sum);
                }
            }
            int offered = stored.size() + errors.values().stream().mapToInt(Integer::intValue).sum();
            assertTrue(offered >= 15_000, "offered " + offered + " blocks, over twice what the region holds");
            assertTrue(servers.allAlive(), "every server process is still up");
            assertTrue(errors.keySet().stream().allMatch(c -> c.equals(ErrorCode.NO_SPACE.name())),
                "puts succeed or get NO_SPACE: " + errors);
            long evictions = 0;
            List<ServerStats> stats = client.serverStats();
            assertEquals(3, stats.size());
            for (ServerStats s : stats)
                evictions += s.stats().evictions();
            assertTrue(evictions > 0 || errors.containsKey(ErrorCode.NO_SPACE.name()),
                "the metadata region was defended: " + stats + " " + errors);
            String last = stored.get(stored.size() - 1);
            assertArrayEquals(value(Integer.parseInt(last.substring(last.length() - 6))), client.get(last));
        }
    }

    private static byte[] value(int i) {
        byte[] v = new byte[1024];
        java.util.Arrays.fill(v, (byte) i);
        v[0] = (byte) (i >> 8);
        return v;
    }
}
