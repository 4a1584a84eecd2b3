package io.kvgrid.it;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.ssd.SsdTier;
import io.kvgrid.ssd.SsdTierConfig;
import io.kvgrid.ssd.SsdTierFactory;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.awaitility.Awaitility.await;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A server node in a separate JVM, spilling to its SSD tier, is killed with SIGKILL mid-spill and restarted on the
 * same directory under the same consistent id: no block is ever wrong or claimed-but-unreadable, and every completed
 * spill comes back visible on every node.
 */
@Timeout(600)
class SsdSpillCrashTest {
    static final int BLOCK = 1 << 20;
    static final long SSD_BYTES = 96L << 20;
    /** Well below what memory (64 MiB) plus SSD (96 MiB) hold, so the SSD tier never drops a block for room. */
    private static final int MAX_PUTS = 140;
    private static final int SPILLS_BEFORE_KILL = 40;

    /** The configuration of every node: the test's, the child's, and the restarted one. */
    static KvGridConfiguration config(Path dir) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTiers(java.util.List.of(io.kvgrid.KvGridConfiguration.MEMORY, new SsdTierFactory().setDirectory(dir.toString()).setCapacityBytes(SSD_BYTES)));
        return cfg;
    }

    @Test
    void aNodeKilledMidSpillAndRestartedOnItsDirectoryServesEveryCompletedSpillAndNothingWrong(
        @TempDir(factory = BuildDirTempDirs.class) Path dir,
        @TempDir(factory = BuildDirTempDirs.class, cleanup = CleanupMode.ON_SUCCESS) Path scratch) throws Exception {
        try (TestCluster c = TestCluster.start(2, config(dir))) {
            Path log = scratch.resolve("child.log");
            Process child = ChildJvm.start(SpillingNode.class, log, String.valueOf(c.discoveryPort()),
                dir.toString(), String.valueOf(BLOCK), String.valueOf(MAX_PUTS));
            Set<String> acked = new LinkedHashSet<>();
            Set<String> spilled = new LinkedHashSet<>();
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                String line;
                while (spilled.size() < SPILLS_BEFORE_KILL && System.nanoTime() < deadline
                    && (line = out.readLine()) != null)
                    record(line, acked, spilled);
                assertEquals(SPILLS_BEFORE_KILL, spilled.size(), "the child spilled (see " + log + ")");
                child.toHandle().destroyForcibly(); // SIGKILL while it keeps writing and spilling
                while ((line = out.readLine()) != null) // what it printed before it died
                    record(line, acked, spilled);
            } finally {
                child.toHandle().destroyForcibly(); // never leave a child behind when an assertion failed
            }
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
            awaitServers(c, 2);

            // What the killed node's directory holds, read from a copy so the restart still finds an unclean stop.
            Set<String> intact = inspectCopy(dir.resolve(SpillingNode.ID), scratch.resolve("copy"));
            assertTrue(intact.containsAll(spilled), "completed spills survive kill -9: missing "
                + minus(spilled, intact));

            int last = acked.stream().mapToInt(k -> Integer.parseInt(k.substring(6))).max().orElseThrow();
            List<String> keys = new ArrayList<>();
            for (int i = 0; i <= last + 2; i++)
                keys.add("crash-" + i); // the put after the last ACK may have been committed, too

            // The orphan cleaner's last sweep runs 10 s after a node left.
            List<String> whileDown = settle(List.of(c.store(0), c.store(1)), keys, 12);

            c.addNode(SpillingNode.ID);
            List<BlockStore> all = List.of(c.store(0), c.store(1), c.store(2));
            List<String> afterRestart = settle(all, keys, 5);

            // Completed spills come back on every node (checked in full before the verdict, so all problems show).
            List<String> unserved = new ArrayList<>();
            for (String k : intact)
                for (int n = 0; n < all.size(); n++) {
                    BlockStore s = all.get(n);
                    try {
                        if (!s.exists(k) || !s.query(k).orElseThrow().tiers().contains(Tier.SSD))
                            unserved.add(k + "@" + n + ": not visible as an SSD block: " + s.query(k));
                        else
                            assertArrayEquals(Payload.of(k, BLOCK), s.get(k), k + " wrong bytes on node " + n);
                    } catch (KvGridException e) {
                        unserved.add(k + "@" + n + ": " + e + "; now " + s.query(k));
                    }
                }
            assertTrue(unserved.isEmpty() && whileDown.isEmpty() && afterRestart.isEmpty(), "claimed but unreadable ("
                + acked.size() + " acked, " + spilled.size() + " spilled, " + intact.size() + " on the SSD after the "
                + "kill)\n  SSD survivors not served after the restart: " + unserved + "\n  " + stats(all)
                + "\n  while the node was down: " + whileDown + "\n  after its restart: " + afterRestart);
        }
    }

    private static String stats(List<BlockStore> stores) {
        StringBuilder b = new StringBuilder();
        for (int n = 0; n < stores.size(); n++)
            b.append("node ").append(n).append(": ").append(stores.get(n).localStats()).append("; ");
        return b.toString();
    }

    private static void record(String line, Set<String> acked, Set<String> spilled) {
        if (line.startsWith("ACK "))
            acked.add(line.substring(4));
        else if (line.startsWith("SPILLED "))
            spilled.add(line.substring(8));
    }

    private static void awaitServers(TestCluster c, int n) {
        await(n + " servers in the cluster").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> c.node(0).ignite().cluster().forServers().nodes().size() == n);
    }

    /**
     * Opens a copy of an SSD directory and returns the keys whose copies read back byte-identical; a copy that does
     * not must fail its checksum, never return other bytes.
     */
    private static Set<String> inspectCopy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList())
                Files.copy(f, to.resolve(f.getFileName()));
        }
        Set<String> intact = new TreeSet<>();
        try (SsdTier t = SsdTier.open(new SsdTierConfig().setDirectory(to).setCapacityBytes(SSD_BYTES))) {
            List<String> keys = new ArrayList<>();
            t.forEachKey(keys::add);
            for (String k : keys) {
                try {
                    byte[] b = t.get(k);
                    assertNotNull(b, k);
                    Payload.assertPayload(k, BLOCK, b);
                    intact.add(k);
                } catch (KvGridException e) {
                    assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code(), k + ": " + e);
                }
            }
        }
        return intact;
    }

    /**
     * Polls (bounded) until, on every node, each key either reads back byte-identical and exists, or is absent for
     * both; returns what was still wrong at the end. Wrong bytes fail at once.
     */
    private static List<String> settle(List<BlockStore> stores, List<String> keys, int seconds) {
        List<List<String>> last = new ArrayList<>(List.of(List.of()));
        try {
            // Each round reads every surviving block from every node: poll gently. In this thread, so a round that
            // runs past the deadline still completes and counts, as the last one.
            await().atMost(Duration.ofSeconds(seconds)).pollInSameThread().pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofSeconds(1)).until(() -> {
                    last.set(0, wrongNow(stores, keys));
                    return last.get(0).isEmpty();
                });
        } catch (ConditionTimeoutException e) {
            // reported by the caller from what was still wrong
        }
        return last.get(0);
    }

    private static List<String> wrongNow(List<BlockStore> stores, List<String> keys) {
        List<String> wrong = new ArrayList<>();
        for (int n = 0; n < stores.size(); n++)
            for (String k : keys) {
                BlockStore s = stores.get(n);
                boolean exists = s.exists(k);
                try {
                    byte[] b = s.get(k);
                    assertArrayEquals(Payload.of(k, BLOCK), b, k + " read with wrong bytes on node " + n);
                    if (!exists)
                        wrong.add(k + "@" + n + ": readable but exists() false");
                } catch (KvGridException e) {
                    if (exists || e.code() != ErrorCode.NOT_FOUND)
                        wrong.add(k + "@" + n + ": exists()=" + exists + ", get " + e.code());
                }
            }
        return wrong;
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }
}
