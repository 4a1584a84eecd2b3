package io.kvgrid.it;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.client.ServerStats;
import io.kvgrid.testing.Payload;
import org.apache.ignite.Ignition;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.client.ClientAuthorizationException;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
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
 * Thin clients against two server processes whose block regions are small: a raw client flooding kvgrid's payload
 * cache with 1 MiB values far past the region size, and writing a record of a foreign type, is refused every time and
 * no node halts; kvgrid's own client then fills the same nodes past their watermark, evicting as it goes.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ThinClientFloodTest {
    private static final long REGION = 48L << 20;
    private static final int MIB = 1 << 20;

    @Test
    void aRawFloodIsRefusedAndKvgridsOwnWritesStillEvictAndSucceed(@TempDir Path tmp) throws Exception {
        try (ServerProcesses servers = ServerProcesses.start(2, tmp, REGION, "flood")) {
            try (IgniteClient raw = Ignition.startClient(new ClientConfiguration().setAddresses(servers.address(0)))) {
                ClientCache<String, byte[]> data = raw.cache("kvgrid-data-r2");
                int refused = 0;
                for (int i = 0; i < 150; i++) {
                    try {
                        data.put("flood-" + i, new byte[MIB]);
                    } catch (ClientAuthorizationException e) {
                        refused++;
                    }
                }
                assertEquals(150, refused, "every raw 1 MiB put into kvgrid-data-r2 (3x the region) was refused");
                ClientCache<String, BinaryObject> meta = raw.cache("kvgrid-meta").withKeepBinary();
                BinaryObject foreign = raw.binary().builder("IoKvgridGridBlockRecord").setField("state", 1).build();
                try {
                    meta.put("flood-foreign", foreign);
                    throw new AssertionError("a record of a foreign type was stored");
                } catch (ClientAuthorizationException expected) {
                    // refused
                }
                assertEquals(0, data.size());
            }
            assertTrue(servers.allAlive(), "server processes still up after the raw flood");

            try (KvGridClient client = KvGridClient.connect(servers.hosts())) {
                Map<String, Integer> errors = new TreeMap<>();
                List<String> stored = new ArrayList<>();
                for (int i = 0; i < 150; i++) {
                    String k = "fill-" + i;
                    try {
                        client.put(k, Payload.of(k, MIB));
                        stored.add(k);
                    } catch (KvGridException e) {
                        errors.merge(e.code().name(), 1, Integer::sum);
                    }
                }
                assertTrue(errors.keySet().stream().allMatch(c -> c.equals(ErrorCode.NO_SPACE.name())),
                    "only NO_SPACE may fail a put into a full region: " + errors);
                assertTrue(stored.size() > 100, "most puts stored, evicting older blocks: " + stored.size());
                long evictions = 0;
                List<ServerStats> stats = client.serverStats();
                assertEquals(2, stats.size(), "both servers in the topology");
                for (ServerStats s : stats)
                    evictions += s.stats().evictions();
                assertTrue(evictions > 0, "the nodes evicted to make room: " + stats);
                // Every stored block is either still there, byte for byte, or was evicted (NOT_FOUND).
                int present = 0;
                for (var r : client.batchGet(stored)) {
                    if (r.ok()) {
                        assertArrayEquals(Payload.of(r.key(), MIB), r.value(), r.key());
                        present++;
                    } else {
                        assertEquals(ErrorCode.NOT_FOUND, r.error().code(), r.key());
                    }
                }
                assertTrue(present > 0 && present < stored.size(), present + " of " + stored.size() + " present");
                String last = stored.get(stored.size() - 1);
                assertArrayEquals(Payload.of(last, MIB), client.get(last));
            }
            assertTrue(servers.allAlive(), "server processes still up after filling past their watermark");
        }
    }
}
