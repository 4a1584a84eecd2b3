package io.kvgrid.examples;

import io.kvgrid.gpu.CudaDeviceMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class BenchTest {
    @Test
    @SuppressWarnings("unchecked")
    void aTinyBenchMeasuresEverySystemOpBlockSizeAndClusterSizeAndPrintsRowsAsJson() throws Exception {
        BenchSettings tiny = BenchSettings.tiny();
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        List<BenchPutSteps> putSteps = new java.util.ArrayList<>();
        List<BenchRow> rows = BenchCommand.measure(tiny, new java.io.PrintStream(log, true),
            Set.copyOf(BenchCommand.GROUPS), putSteps);

        Map<String, Object> json = (Map<String, Object>) Json.parse(Json.write(BenchCommand.json(rows, putSteps, null,
            tiny, 1.0)));
        List<Map<String, Object>> parsed = (List<Map<String, Object>>) json.get("rows");
        assertEquals(rows.size(), parsed.size());
        for (Map<String, Object> r : parsed) {
            assertTrue(r.keySet().containsAll(Set.of("system", "op", "blockBytes", "nodes", "gbPerSec", "p50Ms",
                "p99Ms", "processes", "threads", "copies")), r.toString());
            assertTrue(Set.of("memcpy", "loopback-tcp", "ignite-baseline", "kvgrid", "redis", "kvgrid-thin",
                "kvgrid-thin-tls", "cuda", "kvgrid-gpu").contains(r.get("system")), r.toString());
            assertTrue(((Number) r.get("p50Ms")).doubleValue() >= 0, r.toString());
            assertTrue(((Number) r.get("p99Ms")).doubleValue() >= ((Number) r.get("p50Ms")).doubleValue(), r.toString());
            assertEquals(1L, r.get("threads"), r.toString());
            assertEquals(2L, r.get("rounds"), "tiny runs two rounds of every row: " + r);
        }
        for (int size : BenchSettings.BLOCK_SIZES) {
            assertRow(rows, "memcpy", "arraycopy", size, 1);
            assertRow(rows, "memcpy", "bytebuffer", size, 1);
            for (String op : List.of("stream", "stream-channel")) {
                BenchRow loopback = assertRow(rows, "loopback-tcp", op, size, 1);
                assertTrue(loopback.processes(), "the loopback stream goes to another process");
            }
            for (int nodes : List.of(1, 3)) {
                for (String op : List.of("put", "get", "batchGet")) {
                    BenchRow kv = assertRow(rows, "kvgrid", op, size, nodes);
                    BenchRow base = assertRow(rows, "ignite-baseline", op, size, nodes);
                    assertEquals(nodes > 1, kv.processes(), "3 nodes run as server JVMs: " + kv);
                    assertEquals(nodes > 1, base.processes(), "so do the baseline's: " + base);
                    assertEquals(Math.min(2, nodes), kv.copies(), kv.toString());
                }
            }
            for (int nodes : List.of(1, 3))
                assertRow(rows, "kvgrid", "getInto", size, nodes);
            for (String op : List.of("put", "get", "getInto", "batchGet")) {
                BenchRow thin = assertRow(rows, "kvgrid-thin", op, size, 1);
                assertTrue(thin.processes() && thin.copies() == 1, "thin clients reach a server JVM: " + thin);
            }
        }
        for (int nodes : List.of(1, 3)) {
            BenchRow lookup = find(rows, "kvgrid", "lookupOnPrefix", 0, nodes);
            assertNotNull(lookup, "lookup row on " + nodes + " nodes");
            assertNull(lookup.gbPerSec(), "a lookup moves no payload");
            assertTrue(lookup.p50Ms() > 0);
        }
        for (String op : List.of("put", "put-full"))
            assertRow(rows, "kvgrid", op, BenchSettings.FULL_BLOCK, 1);
        for (String op : List.of("put", "get", "getInto", "batchGet"))
            assertRow(rows, "kvgrid-thin-tls", op, 1 << 20, 1);
        int sizes = BenchSettings.BLOCK_SIZES.size();
        boolean cuda = CudaDeviceMemory.available();
        if (cuda) {
            for (int size : BenchGpu.COPY_SIZES)
                for (String system : List.of("cuda", "kvgrid-gpu"))
                    for (String op : List.of("h2d", "d2h"))
                        assertRow(rows, system, op, size, 1);
            for (String op : List.of("load-gpu", "load-memory"))
                assertRow(rows, "kvgrid", op, 1 << 20, 1);
        } else {
            assertTrue(log.toString().contains("bench: no CUDA driver or device, GPU rows left out"), log.toString());
        }
        int gpuRows = cuda ? 4 * BenchGpu.COPY_SIZES.size() + 2 : 0;
        assertEquals(2 * sizes + 2 * sizes + 2 * (3 * sizes * 2 + sizes + 1) + 2 + 4 * sizes + 4 + gpuRows, rows.size(),
            "no Redis in tiny mode, nothing else either");
        long steps = log.toString().lines().filter(l -> l.startsWith("bench: ") && !l.startsWith("bench: no ")).count();
        assertEquals(BenchProgress.steps(tiny, false) - 1, steps, "one progress step per row (and the SSD tier)");
        List<Map<String, Object>> targets = (List<Map<String, Object>>) json.get("targets");
        assertEquals(BenchGoals.all().size(), targets.size());
        for (Map<String, Object> t : targets)
            if (((String) t.get("target")).contains("Redis") || !cuda && ((String) t.get("target")).contains("GPU"))
                assertNull(t.get("met"), "no Redis (or CUDA) rows, so not measured: " + t);
            else
                assertNotNull(t.get("met"), "every other target has its rows: " + t);

        // Where each kvgrid put row's time went, from the writing node's meters: every block size on 1 and 3 nodes.
        assertEquals(2 * sizes, putSteps.size(), putSteps.toString());
        assertEquals(putSteps.size(), ((List<?>) json.get("putSteps")).size());
        for (Object o : (List<?>) json.get("putSteps"))
            assertNotNull(((Map<?, ?>) o).get("onPrimaries"), "each put row says what its primaries took: " + o);
        for (int size : BenchSettings.BLOCK_SIZES)
            for (int nodes : List.of(1, 3)) {
                BenchPutSteps p = putSteps.stream().filter(x -> x.blockBytes() == size && x.nodes() == nodes)
                    .findFirst().orElseThrow(() -> new AssertionError("no put steps of " + size + " on " + nodes));
                assertTrue(p.puts() >= tiny.putBlocks(size), "every put of the row, warm-up too: " + p);
                if (nodes == 1) {
                    assertTrue(p.reserveMs() > 0 && p.payloadMs() > 0 && p.installMs() > 0 && p.channelMs() == 0,
                        "a node writing itself: " + p);
                    assertEquals(0, p.onPrimaries().sum(), "no server JVMs: " + p);
                } else {
                    assertTrue(p.channelMs() > 0, "a client node writing through the primaries' channels: " + p);
                    BenchPutSteps.PrimarySteps on = p.onPrimaries();
                    assertTrue(on.reserveMs() > 0 && on.payloadMs() > 0 && on.installMs() > 0,
                        "the primaries' own steps, from the server JVMs: " + p);
                    assertTrue(on.sum() <= p.channelMs(), "the primaries' steps within the channel step: " + p);
                }
                assertTrue(p.reserveMs() + p.payloadMs() + p.installMs() + p.channelMs() <= p.putMs(),
                    "steps within the put: " + p);
            }
    }

    @Test
    void aRowIsStableWhenItsLastRoundsAgreeWithinTheTolerance() {
        assertTrue(Measure.stable(List.of(50.0, 100.0, 104.0, 96.0), 3, 0.10), "the last three spread 8%");
        assertFalse(Measure.stable(List.of(100.0, 104.0, 80.0), 3, 0.10), "a slow round breaks it");
        assertFalse(Measure.stable(List.of(100.0, 100.0), 3, 0.10), "too few rounds");
        assertFalse(Measure.stable(List.of(100.0), 1, 0.10), "one round is never called stable");
    }

    @Test
    void repeatingKeepsTheMedianRoundAndStopsOnceStableOrAtTheRoundCap() throws Exception {
        BenchSettings s = BenchSettings.full();
        double[] rates = {10, 50, 42, 45, 44, 100, 100};
        int[] ran = {0};
        Measure.Repeated r = Measure.repeat(s, round -> {
            ran[0]++;
            return new Measure.Result((int) rates[round], 1, 1_000_000_000L, round, round);
        });
        assertTrue(r.stable());
        assertEquals(5, r.rounds(), "stops once 42, 45, 44 agree (7%)");
        assertEquals(44, r.median().ops(), "median of 10, 50, 42, 45, 44");
        assertEquals(5, ran[0]);

        double[] noisy = {10, 20, 40, 80, 160, 320, 640, 1280};
        Measure.Repeated capped = Measure.repeat(s, round ->
            new Measure.Result((int) noisy[round], 1, 1_000_000_000L, 0, 0));
        assertFalse(capped.stable());
        assertEquals(s.maxRounds(), capped.rounds());
        assertEquals(80, capped.median().ops(), "the median of 7 rounds");

        Measure.Repeated once = Measure.repeat(BenchSettings.quick(), round ->
            new Measure.Result(7, 1, 1_000_000_000L, 0, 0));
        assertEquals(1, once.rounds(), "a quick run measures one round");
        assertFalse(once.stable(), "and does not call it stable");
    }

    @Test
    void theThreeNodeTargetsCompareWithTheFasterOfTheTwoLoopbackStreams() {
        BenchRow get = new BenchRow("kvgrid", "get", 1 << 20, 3, 1.5, 0.7, 1.5e3);
        BenchRow socket = new BenchRow("loopback-tcp", "stream", 1 << 20, 1, 1.5, 0.7, 1.5e3);
        BenchRow channel = new BenchRow("loopback-tcp", "stream-channel", 1 << 20, 1, 3.0, 0.35, 3e3);
        Map<String, BenchGoals.Verdict> both = verdicts(List.of(get, socket, channel));
        assertEquals(0.5, both.get(BenchGoals.LOOPBACK_GET).value(), 1e-9, "against the channel's 3.0 GB/s");
        assertEquals("missed", both.get(BenchGoals.LOOPBACK_GET).outcome());
        BenchRow slowChannel = new BenchRow("loopback-tcp", "stream-channel", 1 << 20, 1, 1.0, 1.0, 1e3);
        assertEquals(1.0, verdicts(List.of(get, socket, slowChannel)).get(BenchGoals.LOOPBACK_GET).value(), 1e-9);
        assertEquals(0.5, verdicts(List.of(get, channel)).get(BenchGoals.LOOPBACK_GET).value(), 1e-9, "one row");
        assertEquals(1.0, verdicts(List.of(get, socket)).get(BenchGoals.LOOPBACK_GET).value(), 1e-9, "the other");
        assertEquals("not measured", verdicts(List.of(get)).get(BenchGoals.LOOPBACK_GET).outcome());
    }

    private static Map<String, BenchGoals.Verdict> verdicts(List<BenchRow> rows) {
        Map<String, BenchGoals.Verdict> v = new java.util.HashMap<>();
        for (BenchGoals.Verdict x : BenchGoals.judge(rows))
            v.put(x.name(), x);
        return v;
    }

    @Test
    void targetsCompareRowsOfTheSameRunAndSayMetMissedOrNotMeasured() {
        List<BenchRow> rows = List.of(
            new BenchRow("memcpy", "arraycopy", 1 << 20, 1, 10.0, 0.1, 1e4),
            new BenchRow("kvgrid", "put", 1 << 20, 1, 6.0, 0.2, 6e3),
            new BenchRow("kvgrid", "get", 1 << 20, 1, 4.0, 0.2, 4e3),
            new BenchRow("ignite-baseline", "put", 1 << 20, 1, 2.0, 0.5, 2e3),
            new BenchRow("ignite-baseline", "get", 1 << 20, 1, 4.0, 0.2, 4e3),
            new BenchRow("kvgrid", "put", 2 << 20, 1, 4.0, 0.5, 2e3),
            new BenchRow("kvgrid", "put-full", 2 << 20, 1, 3.0, 0.6, 1.5e3, 3.6, false, 1, 1, 3, true));

        Map<String, BenchGoals.Verdict> v = new java.util.HashMap<>();
        for (BenchGoals.Verdict x : BenchGoals.judge(rows))
            v.put(x.name(), x);

        assertEquals(3.0, v.get("1 node, 1 MiB: kvgrid put >= 2x ignite-baseline put").value(), 1e-9);
        assertEquals("met", v.get("1 node, 1 MiB: kvgrid put >= 2x ignite-baseline put").outcome());
        assertEquals("missed", v.get("1 node, 1 MiB: kvgrid get >= 1.2x ignite-baseline get").outcome());
        assertEquals("met", v.get("1 node, 1 MiB: kvgrid put >= 0.5x memcpy").outcome());
        assertEquals("missed", v.get("1 node, 1 MiB: kvgrid get >= 0.5x memcpy").outcome(), "0.4x");
        assertEquals("met", v.get("1 node, 2 MiB: put-full (at the watermark) >= 0.7x put (empty region)").outcome());
        assertEquals(6.0, v.get("1 node, 2 MiB: put-full p99 <= 5x its p50").value(), 1e-9);
        assertEquals("missed", v.get("1 node, 2 MiB: put-full p99 <= 5x its p50").outcome());
        assertEquals("not measured", v.get("thin client, 1 MiB: get >= 1.0x Redis GET").outcome());
        assertNull(v.get(BenchGoals.LOOPBACK_PUT).met());
    }

    @Test
    void theBenchTableShowsRatiosToTheCeilingAndTheBaseline() {
        List<BenchRow> rows = List.of(
            new BenchRow("memcpy", "arraycopy", 65536, 1, 10.0, 0.01, 1e5),
            new BenchRow("ignite-baseline", "get", 65536, 1, 1.0, 0.1, 1e4),
            new BenchRow("kvgrid", "get", 65536, 1, 2.5, 0.05, 4e4),
            new BenchRow("kvgrid", "lookupOnPrefix", 0, 1, null, 0.5, 2e3));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        BenchCommand.print(rows, new java.io.PrintStream(out, true));
        String[] lines = out.toString().split("\n");
        assertTrue(lines[4].matches(
            "kvgrid\\s+get\\s+64 KiB\\s+1\\s+2\\.500\\s+0\\.050\\s+0\\.050\\s+40000\\s+0\\.25x\\s+2\\.50x\\s+1"),
            lines[4]);
        assertTrue(lines[5].matches(
            "kvgrid\\s+lookupOnPrefix\\s+-\\s+1\\s+-\\s+0\\.500\\s+0\\.500\\s+2000\\s+-\\s+-\\s+1"), lines[5]);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSsdBenchComparesSpillAndRestoreWithDirectDdInTheSameDirectoryAndReportsThemApartFromTheRows(
        @TempDir Path dir) throws Exception {
        BenchSsd ssd = BenchSsd.measure(BenchSettings.tiny(), dir, null);

        assertNull(ssd.error());
        var r = ssd.result();
        assertEquals(16, r.blocks());
        assertTrue(r.directIo() && r.preallocate(), "the tier's defaults are measured");
        for (double v : new double[] {r.spillMBps(), r.steadyMBps(), r.restoreMBps(), r.ddWriteMBps(), r.ddReadMBps()})
            assertTrue(v > 0, r.toString());
        assertEquals(r.spillMBps() / r.ddWriteMBps(), r.spillRatio(), r.spillRatio() * 1e-9, "one round: plain ratio");
        try (var left = Files.list(dir)) {
            assertEquals(0, left.count(), "the bench removes its files");
        }
        List<BenchRow> rows = List.of(new BenchRow("memcpy", "arraycopy", 65536, 1, 10.0, 0.01, 1e5));
        Map<String, Object> json = (Map<String, Object>) Json.parse(Json.write(
            BenchCommand.json(rows, List.of(), ssd, BenchSettings.tiny(), 1.0)));
        assertEquals(1, ((List<?>) json.get("rows")).size(), "the SSD figures are not rows");
        Map<String, Object> j = (Map<String, Object>) json.get("ssd");
        for (String f : List.of("spillMBps", "steadySpillMBps", "restoreMBps", "ddWriteMBps", "ddReadMBps",
            "spillVsDd", "steadySpillVsDd", "restoreVsDd"))
            assertTrue(((Number) j.get(f)).doubleValue() > 0, f + " in " + j);
        assertEquals(1048576L, j.get("blockBytes"));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ssd.print(new java.io.PrintStream(out, true));
        assertTrue(out.toString().matches("(?s).*restore \\(page cache dropped\\)\\s+\\d+\\s+\\d+ read\\s+\\d+\\.\\d\\dx.*"),
            out.toString());
    }

    @Test
    void theSsdBenchRefusesAMemoryFileSystemWithAClearReason() throws Exception {
        Path shm = Path.of("/dev/shm");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
            && Files.getFileStore(shm).type().equals("tmpfs"), "no writable tmpfs at /dev/shm");
        Path dir = Files.createTempDirectory(shm, "kvgrid-bench-test-");
        try {
            BenchSsd ssd = BenchSsd.measure(BenchSettings.tiny(), dir, null);
            assertNull(ssd.result());
            assertTrue(ssd.error().contains("tmpfs") && ssd.error().contains("--ssd-dir"), ssd.error());
        } finally {
            Files.delete(dir);
        }
    }

    private static BenchRow assertRow(List<BenchRow> rows, String system, String op, int size, int nodes) {
        BenchRow r = find(rows, system, op, size, nodes);
        assertNotNull(r, system + " " + op + " " + size + " on " + nodes);
        assertTrue(r.gbPerSec() != null && r.gbPerSec() > 0, r.toString());
        assertTrue(r.opsPerSec() > 0, r.toString());
        return r;
    }

    private static BenchRow find(List<BenchRow> rows, String system, String op, int size, int nodes) {
        return rows.stream().filter(r -> r.system().equals(system) && r.op().equals(op) && r.blockBytes() == size
            && r.nodes() == nodes).findFirst().orElse(null);
    }
}
