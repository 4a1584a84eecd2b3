package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.cache.query.ScanQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.cache.Cache;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.awaitility.Awaitility.await;
import java.time.Duration;

/**
 * A writer process killed with SIGKILL in the middle of puts: nothing half-written becomes visible, every acknowledged
 * block survives byte for byte, and the payloads the dead writer left unreferenced are reclaimed.
 */
@Timeout(600)
class WriterCrashTest {
    private static final int SIZE = 512 * 1024;

    @Test
    void aWriterKilledMidPutLeavesNoHalfWrittenBlockAndItsSpaceIsReclaimed(@TempDir Path tmp) throws Exception {
        try (TestCluster c = TestCluster.start(2)) {
            Process child = ChildJvm.start(CrashingWriter.class, tmp.resolve("child.log"),
                String.valueOf(c.discoveryPort()), String.valueOf(SIZE));
            Set<String> acked = new HashSet<>();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                String line;
                while (acked.size() < 40 && System.nanoTime() < deadline && (line = out.readLine()) != null)
                    if (line.startsWith("ACK "))
                        acked.add(line.substring(4));
                assertEquals(40, acked.size(), "the writer acknowledged puts (see " + tmp.resolve("child.log") + ")");
                child.destroyForcibly(); // SIGKILL, mid-stream
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }

            Ignite ignite = c.node(0).ignite();
            await("the killed writer left the cluster").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> ignite.cluster().forServers().nodes().size() == 2);

            // Every payload left in the grid belongs to a complete record: the dead writer's space is reclaimed
            // (payloads it wrote but never installed a record for are removed within seconds of its departure).
            IgniteCache<String, BinaryObject> meta = ignite.cache("kvgrid-meta").withKeepBinary();
            IgniteCache<String, byte[]> data = ignite.cache("kvgrid-data-r2");
            // A scan that meets the topology change throws CacheException: look again.
            await("the dead writer's payloads removed").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(javax.cache.CacheException.class)
                .untilAsserted(() -> assertEquals(completeDataKeys(meta),
                    new HashSet<>(data.query(new ScanQuery<String, byte[]>(), Cache.Entry::getKey).getAll())));
            assertEquals(0, count(meta, 0), "no incomplete record is left");

            BlockStore s = c.store(1);
            for (String k : acked)
                Payload.assertPayload(k, SIZE, s.get(k));
            // Keys it may have been writing when killed: either complete and right, or absent.
            for (int i = 0; i < acked.size() + 4; i++) {
                String k = "crash-" + i;
                if (s.exists(k))
                    Payload.assertPayload(k, SIZE, s.get(k));
            }
        }
    }

    private static Set<String> completeDataKeys(IgniteCache<String, BinaryObject> meta) {
        Set<String> out = new HashSet<>();
        for (Cache.Entry<String, BinaryObject> e : meta.query(new ScanQuery<String, BinaryObject>()).getAll())
            if ((int) e.getValue().field("state") == 1)
                out.add(e.getValue().field("dataKey"));
        return out;
    }

    private static int count(IgniteCache<String, BinaryObject> meta, int state) {
        int n = 0;
        for (Cache.Entry<String, BinaryObject> e : meta.query(new ScanQuery<String, BinaryObject>()).getAll())
            if ((int) e.getValue().field("state") == state)
                n++;
        return n;
    }
}
