package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.NodeStats;
import io.kvgrid.Tier;
import io.kvgrid.grid.Governors;
import io.kvgrid.ssd.SsdTierFactory;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.cache.Cache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;
import static org.awaitility.Awaitility.await;
import java.time.Duration;

/** Real Ignite nodes spilling to the real SSD tier: volume far beyond memory, and promotion back into memory. */
@Timeout(600)
class SsdSpillTest {
    private static final int BLOCK = 512 * 1024;

    private static KvGridConfiguration spillingConfig(Path dir, long ssdBytes, boolean preallocate) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setDefaultReplicas(1);
        cfg.setTiers(java.util.List.of(io.kvgrid.KvGridConfiguration.MEMORY, new SsdTierFactory().setDirectory(dir.toString()).setCapacityBytes(ssdBytes)
            .setPreallocate(preallocate)));
        return cfg;
    }

    @Test
    void writingTenTimesTheMemoryTiersCapacitySpillsToSsdAndEveryBlockReadsBackByteForByteFromAnyNode(
        @TempDir(factory = BuildDirTempDirs.class) Path dir) {
        // 32 MiB of block memory per node keeps ten times memory at about 600 MiB; each node's SSD holds all of it,
        // so nothing may be dropped. The data files are written once: zero-filling them first would double the I/O.
        KvGridConfiguration cfg = spillingConfig(dir, 640L << 20, false);
        cfg.setDataRegionBytes(32L << 20);
        try (TestCluster c = TestCluster.start(2, cfg)) {
            long memory = c.store(0).localStats().capacityBytes() + c.store(1).localStats().capacityBytes();
            long target = 10 * memory;
            List<String> keys = new ArrayList<>();
            long written = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            for (int i = 0; written < target && i < 10_000 && System.nanoTime() < deadline; i++) {
                String k = String.format("spill-%05d", i);
                assertFalse(c.store(i % 2).put(k, Payload.of(k, BLOCK)).existed());
                keys.add(k);
                written += BLOCK;
            }
            assertTrue(written >= target, "wrote " + written + " of " + target + " bytes in time");

            long evicted = 0;
            long evictions = 0;
            for (int n = 0; n < 2; n++) {
                NodeStats st = c.store(n).localStats();
                evicted += st.evictedBytes();
                evictions += st.evictions();
                assertTrue(st.bytesUsed() <= st.capacityBytes(), "node " + n + " stayed within its region: " + st);
            }
            assertTrue(evicted >= written - memory, "evicted " + evicted + " bytes of " + written + " written into "
                + memory + " bytes of memory (" + evictions + " evictions)");

            // Metadata: every block is in exactly one tier, and what memory cannot hold is on SSD.
            int onSsd = 0;
            List<String> ssdKeys = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            for (String k : keys)
                if (c.store(0).query(k).isEmpty())
                    unknown.add(k);
            assertEquals(List.of(), unknown, unknown.size() + " of " + keys.size() + " blocks lost their metadata");
            for (int i = 0; i < keys.size(); i++) {
                Set<Tier> tiers = c.store((i + 1) % 2).query(keys.get(i)).orElseThrow().tiers();
                assertTrue(tiers.equals(Set.of(Tier.SSD)) || tiers.equals(Set.of(Tier.MEMORY)),
                    keys.get(i) + " is in " + tiers);
                if (tiers.contains(Tier.SSD)) {
                    onSsd++;
                    ssdKeys.add(keys.get(i));
                }
            }
            assertTrue(onSsd >= keys.size() - memory / BLOCK, onSsd + " of " + keys.size() + " blocks on SSD");

            // Presence checks see SSD-resident blocks as stored.
            for (int n = 0; n < 2; n++) {
                assertEquals(keys.size(), c.store(n).lookupOnPrefixLength(keys), "lookupOnPrefixLength on node " + n);
                boolean[] found = c.store(n).lookup(ssdKeys);
                for (int i = 0; i < found.length; i++)
                    assertTrue(found[i], "lookup of " + ssdKeys.get(i) + " on node " + n);
                assertTrue(c.store(n).exists(ssdKeys.get(n)), "exists " + ssdKeys.get(n));
                assertTrue(c.store(n).exists(ssdKeys.get(ssdKeys.size() - 1 - n)));
            }

            // Every byte back, each chunk from the node that did not write most of it.
            for (int from = 0; from < keys.size(); from += 16) {
                List<String> chunk = keys.subList(from, Math.min(keys.size(), from + 16));
                List<KeyResult<byte[]>> got = c.store((from / 16) % 2).batchGet(chunk);
                for (int j = 0; j < chunk.size(); j++) {
                    KeyResult<byte[]> r = got.get(j);
                    assertTrue(r.ok(), chunk.get(j) + ": " + r.error());
                    Payload.assertPayload(chunk.get(j), BLOCK, r.value());
                }
            }
        }
    }

    @Test
    void anSsdResidentBlockReadTwiceIsPromotedBackIntoMemory(@TempDir(factory = BuildDirTempDirs.class) Path dir)
        throws InterruptedException {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        KvGridConfiguration cfg = spillingConfig(dir, 64L << 20, true);
        cfg.setTicker(clock::get);
        try (TestCluster c = TestCluster.start(2, cfg)) {
            BlockStore s0 = c.store(0);
            BlockStore s1 = c.store(1);
            s0.put("hot", Payload.of("hot", BLOCK));
            s0.put("cold", Payload.of("cold", BLOCK));
            clock.addAndGet(60_000);
            for (int n = 0; n < 2; n++)
                Governors.evictAll(c.node(n), clock.get());
            assertEquals(Set.of(Tier.SSD), s0.query("hot").orElseThrow().tiers());
            assertEquals(Set.of(Tier.SSD), s1.query("cold").orElseThrow().tiers());
            assertEquals(0, payloadsInMemory(c).size(), "no payload left in memory");

            Payload.assertPayload("hot", BLOCK, s1.get("hot"));
            Thread.sleep(300); // a promotion would have started by now; one read is below the threshold of 2
            assertEquals(Set.of(Tier.SSD), s0.query("hot").orElseThrow().tiers(), "one read does not promote");

            Payload.assertPayload("hot", BLOCK, s0.get("hot"));
            // Promotion is asynchronous.
            await("hot promoted").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertEquals(Set.of(Tier.MEMORY, Tier.SSD), s1.query("hot").orElseThrow().tiers(),
                    "promoted, and the SSD copy kept"));
            List<Cache.Entry<String, byte[]>> inMemory = payloadsInMemory(c);
            assertEquals(1, inMemory.size(), "exactly the promoted block is back in memory");
            assertTrue(inMemory.get(0).getKey().startsWith("hot\uFFFF"), inMemory.get(0).getKey());
            Payload.assertPayload("hot", BLOCK, inMemory.get(0).getValue());
            for (int n = 0; n < 2; n++)
                Payload.assertPayload("hot", BLOCK, c.store(n).get("hot"));

            assertEquals(Set.of(Tier.SSD), s0.query("cold").orElseThrow().tiers(), "an unread block stays on SSD");
            Payload.assertPayload("cold", BLOCK, s0.get("cold"));
        }
    }

    private static List<Cache.Entry<String, byte[]>> payloadsInMemory(TestCluster c) {
        IgniteCache<String, byte[]> data = c.node(0).ignite().cache("kvgrid-data-r1");
        return data == null ? List.of() : data.query(new ScanQuery<String, byte[]>()).getAll();
    }
}
