package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class BenchTest {
    @Test
    @SuppressWarnings("unchecked")
    void aTinyBenchMeasuresEverySystemOpBlockSizeAndClusterSizeAndPrintsRowsAsJson() throws Exception {
        BenchSettings tiny = BenchSettings.tiny();
        List<BenchRow> rows = BenchCommand.measure(tiny, null);

        Map<String, Object> json = (Map<String, Object>) Json.parse(Json.write(BenchCommand.json(rows, null, tiny, 1.0)));
        List<Map<String, Object>> parsed = (List<Map<String, Object>>) json.get("rows");
        assertEquals(rows.size(), parsed.size());
        for (Map<String, Object> r : parsed) {
            assertTrue(r.keySet().containsAll(Set.of("system", "op", "blockBytes", "nodes", "gbPerSec", "p50Ms")), r.toString());
            assertTrue(Set.of("memcpy", "ignite-baseline", "kvgrid", "redis", "kvgrid-thin", "kvgrid-thin-tls")
                .contains(r.get("system")), r.toString());
            assertTrue(((Number) r.get("p50Ms")).doubleValue() >= 0, r.toString());
        }
        for (int size : BenchSettings.BLOCK_SIZES) {
            assertRow(rows, "memcpy", "arraycopy", size, 1);
            assertRow(rows, "memcpy", "bytebuffer", size, 1);
            for (int nodes : List.of(1, 3)) {
                for (String op : List.of("put", "get", "batchGet")) {
                    assertRow(rows, "kvgrid", op, size, nodes);
                    assertRow(rows, "ignite-baseline", op, size, nodes);
                }
            }
        }
        for (int nodes : List.of(1, 3)) {
            BenchRow lookup = find(rows, "kvgrid", "lookupOnPrefix", 0, nodes);
            assertNotNull(lookup, "lookup row on " + nodes + " nodes");
            assertNull(lookup.gbPerSec(), "a lookup moves no payload");
            assertTrue(lookup.p50Ms() > 0);
        }
        for (String thin : List.of("kvgrid-thin", "kvgrid-thin-tls"))
            for (String op : List.of("put", "get", "batchGet"))
                assertRow(rows, thin, op, 1 << 20, 1);
        assertEquals(2 * 2 + 2 * (3 * 2 * 2 + 1) + 2 * 3, rows.size(), "no Redis in tiny mode, nothing else either");
    }

    @Test
    void eachRowReportsItsFasterRoundWhateverTheOtherSystemsDid() {
        List<BenchRow> first = List.of(
            new BenchRow("kvgrid", "put", 65536, 1, 2.0, 0.03, 30e3),
            new BenchRow("ignite-baseline", "put", 65536, 1, 1.0, 0.06, 15e3),
            new BenchRow("kvgrid", "lookupOnPrefix", 0, 3, null, 0.9, 1e3));
        List<BenchRow> second = List.of(
            new BenchRow("kvgrid", "put", 65536, 1, 1.5, 0.04, 22e3),
            new BenchRow("ignite-baseline", "put", 65536, 1, 1.2, 0.05, 18e3),
            new BenchRow("kvgrid", "lookupOnPrefix", 0, 3, null, 0.7, 1.3e3),
            new BenchRow("kvgrid", "put", 65536, 3, 0.1, 0.7, 1e3));

        List<BenchRow> best = BenchCommand.fastest(List.of(first, second));

        assertEquals(List.of(first.get(0), second.get(1), second.get(2), second.get(3)), best);
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
        assertTrue(lines[4].matches("kvgrid\\s+get\\s+64 KiB\\s+1\\s+2\\.500\\s+0\\.050\\s+40000\\s+0\\.25x\\s+2\\.50x"),
            lines[4]);
        assertTrue(lines[5].matches("kvgrid\\s+lookupOnPrefix\\s+-\\s+1\\s+-\\s+0\\.500\\s+2000\\s+-\\s+-"), lines[5]);
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
            BenchCommand.json(rows, ssd, BenchSettings.tiny(), 1.0)));
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

    private static void assertRow(List<BenchRow> rows, String system, String op, int size, int nodes) {
        BenchRow r = find(rows, system, op, size, nodes);
        assertNotNull(r, system + " " + op + " " + size + " on " + nodes);
        assertTrue(r.gbPerSec() != null && r.gbPerSec() > 0, r.toString());
        assertTrue(r.opsPerSec() > 0, r.toString());
    }

    private static BenchRow find(List<BenchRow> rows, String system, String op, int size, int nodes) {
        return rows.stream().filter(r -> r.system().equals(system) && r.op().equals(op) && r.blockBytes() == size
            && r.nodes() == nodes).findFirst().orElse(null);
    }
}
