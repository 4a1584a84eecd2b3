package io.kvgrid.examples;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.NodeStats;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The thin-client commands against two real nodes in this JVM, run in-process as the launcher runs them. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClientCommandsTest {
    private static TestCluster cluster;
    private static String hosts;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setLeaseTtlMillis(TimeUnit.MINUTES.toMillis(30));   // a read's lease outlives the test, whatever its pace
        cluster = TestCluster.start(2, cfg);
        hosts = cluster.thinClientAddress(0) + "," + cluster.thinClientAddress(1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    /** Exit status, stdout as bytes (get writes payloads there) and stderr of one in-process command line. */
    private record Run(int code, byte[] outBytes, String err) {
        String out() {
            return new String(outBytes, StandardCharsets.UTF_8);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            List<String> lines = out().lines().toList();
            assertEquals(1, lines.size(), "stdout is exactly one JSON line: " + out());
            return (Map<String, Object>) Json.parse(lines.get(0));
        }

        void assertOneErrorLine(String expected) {
            assertEquals(1, err.strip().lines().count(), "one line on stderr: " + err);
            assertTrue(err.contains(expected), "stderr says '" + expected + "', was: " + err);
        }
    }

    private static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KvGridCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    private static Run ok(String... args) {
        Run r = cli(args);
        assertEquals(0, r.code(), () -> String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    private static Path file(Path dir, String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void aFileStoredWithPutComesBackByteForByteFromGetIntoAFileAndOntoStandardOutput(@TempDir Path dir)
            throws Exception {
        byte[] v = Payload.of("cli/put-1", 70_000);
        Path in = file(dir, "in.bin", v);
        assertEquals("stored cli/put-1 (70000 bytes, 2 copies)\n",
            ok("put", "--connect", hosts, "--replicas", "2", "cli/put-1", in.toString()).out());

        Path outFile = dir.resolve("out.bin");
        assertEquals("wrote cli/put-1 to " + outFile + " (70000 bytes)\n",
            ok("get", "--connect", hosts, "cli/put-1", outFile.toString()).out());
        assertArrayEquals(v, Files.readAllBytes(outFile));
        assertArrayEquals(v, ok("get", "--connect", hosts, "cli/put-1").outBytes());
        assertArrayEquals(v, cluster.store(1).get("cli/put-1"), "what the command stored is in the grid");

        Path other = file(dir, "other.bin", Payload.of("cli/put-1-other", 1_000));
        assertEquals("cli/put-1 exists, left unchanged\n",
            ok("put", "--connect", cluster.thinClientAddress(1), "cli/put-1", other.toString()).out());
        assertArrayEquals(v, ok("get", "--connect", hosts, "cli/put-1").outBytes(), "write-once");

        assertEquals("stored cli/put-1 (1000 bytes, 1 copy)\n",
            ok("put", "--connect", hosts, "--upsert", "--replicas=1", "cli/put-1", other.toString()).out());
        assertArrayEquals(Files.readAllBytes(other), ok("get", "--connect", hosts, "cli/put-1").outBytes());
    }

    @Test
    void gettingAMissingKeyIsAOneLineErrorThatWritesNothing(@TempDir Path dir) {
        Path outFile = dir.resolve("never.bin");
        Run r = cli("get", "--connect", hosts, "cli/absent", outFile.toString());
        assertEquals(1, r.code());
        r.assertOneErrorLine("kvgrid get: NOT_FOUND [key]");
        assertEquals(0, r.outBytes().length);
        assertFalse(Files.exists(outFile));
    }

    @Test
    void lsListsTheStoredKeysSortedAndHonoursARegex(@TempDir Path dir) throws Exception {
        for (String k : List.of("ls/b", "ls/a", "ls/c", "ls-other/x"))
            ok("put", "--connect", hosts, k, file(dir, "v", Payload.of(k, 4_000)).toString());
        assertEquals("ls/a\nls/b\nls/c\n", ok("ls", "--connect", hosts, "ls/.*").out());
        List<String> all = ok("ls", "--connect", hosts).out().lines().toList();
        assertTrue(all.containsAll(List.of("ls/a", "ls/b", "ls/c", "ls-other/x")), all.toString());
        assertEquals(all.stream().sorted().toList(), all, "sorted");
        assertEquals(cluster.store(0).listKeys(".*").size(), all.size(), "every key, one a line");
        assertEquals("", ok("ls", "--connect", hosts, "ls/z.*").out());

        Run bad = cli("ls", "--connect", hosts, "ls/[");
        assertEquals(2, bad.code());
        bad.assertOneErrorLine("kvgrid ls: REGEX: Unclosed character class");
    }

    @Test
    void rmRemovesABlockAndOneUnderAReadLeaseOnlyWithForce(@TempDir Path dir) throws Exception {
        Path v = file(dir, "v", Payload.of("rm/one", 5_000));
        ok("put", "--connect", hosts, "rm/one", v.toString());
        ok("get", "--connect", hosts, "rm/one");   // the read leases the block

        Run leased = cli("rm", "--connect", hosts, "rm/one");
        assertEquals(1, leased.code());
        leased.assertOneErrorLine("HAS_LEASE");
        assertTrue(leased.err().contains("--force"), leased.err());
        assertTrue(cluster.store(0).exists("rm/one"), "a refused rm changes nothing");

        assertEquals("removed rm/one\n", ok("rm", "--connect", hosts, "--force", "rm/one").out());
        assertFalse(cluster.store(1).exists("rm/one"));
        assertFalse(ok("ls", "--connect", hosts).out().lines().anyMatch("rm/one"::equals));
        Run again = cli("rm", "--connect", hosts, "rm/one");
        assertEquals(1, again.code());
        again.assertOneErrorLine("NOT_FOUND");
    }

    @Test
    void statsShowsEveryNodesCountersAsATableAndAsJson(@TempDir Path dir) throws Exception {
        ok("put", "--connect", hosts, "stats/blk", file(dir, "v", Payload.of("stats/blk", 100_000)).toString());
        String table = ok("stats", "--connect", cluster.thinClientAddress(0)).out();
        for (int i = 0; i < 2; i++) {
            String id = String.valueOf(cluster.node(i).consistentId());
            assertTrue(table.lines().anyMatch(l -> l.startsWith(id + " ")), id + " has a row: " + table);
        }
        assertTrue(table.contains("of high wm"), table);

        Run json = ok("stats", "--connect", hosts, "--json");
        List<String> lines = json.out().lines().toList();
        assertEquals(2, lines.size(), json.out());
        Set<String> seen = new TreeSet<>();
        for (String line : lines) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) Json.parse(line);
            int i = String.valueOf(cluster.node(0).consistentId()).equals(m.get("node")) ? 0 : 1;
            assertEquals(String.valueOf(cluster.node(i).consistentId()), m.get("node"));
            NodeStats s = cluster.store(i).localStats();
            assertEquals(s.blocks(), m.get("blocks"), line);
            assertTrue((Long) m.get("blocks") >= 1, "each node holds a copy of stats/blk (2 replicas): " + line);
            assertEquals(s.capacityBytes(), m.get("capacityBytes"), line);
            assertTrue((Long) m.get("bytesUsed") > 0, line);
            double wm = (Double) m.get("highWatermark");
            assertEquals((Long) m.get("bytesUsed") / (s.capacityBytes() * wm), (Double) m.get("highWatermarkFill"),
                1e-9, line);
            assertEquals(cluster.thinClientAddress(i), m.get("endpoint"), line);
            assertEquals(0L, m.get("evictions"), line);
            assertTrue(m.containsKey("ssd") && m.get("ssd") == null, "no SSD tier: " + line);
            seen.add((String) m.get("node"));
        }
        assertEquals(2, seen.size());
    }

    @Test
    void fillThenCheckVerifiesEveryBlockAndALostAcknowledgedBlockFailsTheCheck(@TempDir Path dir) throws Exception {
        Path acks = dir.resolve("acks.txt");
        String[] common = {"--connect", hosts, "--count", "200", "--block-bytes", "10240", "--seed", "1"};
        Run fill = ok(concat(new String[] {"fill"}, common, "--threads", "4", "--ack-file", acks.toString()));
        assertEquals(Map.of("acknowledged", 200L, "failed", 0L, "errors", Map.of()), fill.json());
        List<Long> acked = Files.readAllLines(acks).stream().map(Long::parseLong).sorted().toList();
        assertEquals(LongStream.range(0, 200).boxed().toList(), acked, "every index acknowledged, once");
        assertArrayEquals(FillPayload.bytes(1, 17, 10240), cluster.store(1).get("fill-1-17"));

        Run check = ok(concat(new String[] {"check"}, common, "--ack-file", acks.toString()));
        assertEquals(Map.of("checked", 200L, "ok", 200L, "missing", 0L, "corrupt", 0L, "missingAcknowledged", 0L,
            "unreadable", 0L, "errors", Map.of()), check.json());

        Run refill = ok(concat(new String[] {"fill"}, common));
        assertEquals(200L, refill.json().get("acknowledged"), "blocks already stored count as acknowledged");

        cluster.store(0).remove("fill-1-17", true);
        Run lost = cli(concat(new String[] {"check"}, common, "--ack-file", acks.toString()));
        assertEquals(1, lost.code(), lost.err());
        assertEquals(199L, lost.json().get("ok"));
        assertEquals(1L, lost.json().get("missing"));
        assertEquals(1L, lost.json().get("missingAcknowledged"));
        assertTrue(lost.err().contains("fill-1-17 was acknowledged and is missing"), lost.err());

        Run noAcks = ok(concat(new String[] {"check"}, common));
        assertEquals(1L, noAcks.json().get("missing"), "a missing block nobody acknowledged fails nothing");
        assertEquals(0L, noAcks.json().get("missingAcknowledged"));
    }

    @Test
    void checkReportsABlockWhoseBytesDifferAsCorrupt() {
        String[] common = {"--connect", hosts, "--count", "20", "--block-bytes", "3000", "--seed", "2"};
        assertEquals(20L, ok(concat(new String[] {"fill"}, common, "--replicas", "1")).json().get("acknowledged"));
        byte[] wrong = FillPayload.bytes(2, 5, 3000);
        wrong[1234] ^= 1;
        cluster.store(0).upsert("fill-2-5", wrong);

        Run check = cli(concat(new String[] {"check"}, common));
        assertEquals(1, check.code());
        assertEquals(1L, check.json().get("corrupt"));
        assertEquals(19L, check.json().get("ok"));
        assertTrue(check.err().contains("fill-2-5 is corrupt"), check.err());

        Run otherSize = cli("check", "--connect", hosts, "--count", "20", "--block-bytes", "3001", "--seed", "2");
        assertEquals(1, otherSize.code());
        assertEquals(20L, otherSize.json().get("corrupt"));
    }

    @Test
    void badCommandLinesAndAnUnreachableClusterExitWithStatusTwoAndOneLineOnStderr(@TempDir Path dir)
            throws Exception {
        Path v = file(dir, "v", new byte[10]);
        Path badAcks = file(dir, "bad-acks.txt", "3\nseven\n".getBytes(StandardCharsets.US_ASCII));
        String[][] cases = {
            {"kvgrid put: --connect HOST:PORT[,HOST:PORT...] is required", "put", "k", v.toString()},
            {"kvgrid ls: --connect: no kvgrid node reachable at 127.0.0.1:1", "ls", "--connect", "127.0.0.1:1"},
            {"kvgrid stats: --connect: 'localhost' is not host:port", "stats", "--connect", "localhost"},
            {"kvgrid put: unknown option '--frobnicate'", "put", "--connect", hosts, "--frobnicate", "k", v.toString()},
            {"kvgrid put: KEY and FILE are required", "put", "--connect", hosts, "k"},
            {"kvgrid put: FILE: no such file /nonexistent/v", "put", "--connect", hosts, "k", "/nonexistent/v"},
            {"kvgrid put: --replicas must be a positive number, was 0", "put", "--connect", hosts, "--replicas", "0",
                "k", v.toString()},
            {"kvgrid put: KEY: ", "put", "--connect", hosts, "bad\u0001key", v.toString()},
            {"kvgrid get: unexpected argument 'c'", "get", "--connect", hosts, "a", "b", "c"},
            {"kvgrid fill: --count is required", "fill", "--connect", hosts, "--block-bytes", "10"},
            {"kvgrid fill: --threads must be from 1 to 256, was 0", "fill", "--connect", hosts, "--count", "1",
                "--block-bytes", "10", "--threads", "0"},
            {"kvgrid fill: --block-bytes must be a positive number, was -1", "fill", "--connect", hosts, "--count",
                "1", "--block-bytes", "-1"},
            {"kvgrid check: --ack-file: no such file /nonexistent/acks", "check", "--connect", hosts, "--count", "1",
                "--block-bytes", "10", "--ack-file", "/nonexistent/acks"},
            {"kvgrid check: --ack-file: line 2 of " + badAcks + " is 'seven'", "check", "--connect", hosts, "--count",
                "10", "--block-bytes", "10", "--ack-file", badAcks.toString()},
            {"kvgrid check: --ack-file: line 1 of " + badAcks + " names block 3, outside 0..1", "check", "--connect",
                hosts, "--count", "2", "--block-bytes", "10", "--ack-file", badAcks.toString()},
        };
        for (String[] c : cases) {
            String[] args = Arrays.copyOfRange(c, 1, c.length);
            Run r = cli(args);
            assertEquals(2, r.code(), () -> String.join(" ", args) + ": " + r.err());
            r.assertOneErrorLine(c[0]);
            assertEquals("", r.out(), "nothing is run: " + String.join(" ", args));
        }
        assertFalse(cluster.store(0).exists("k"), "no bad command line stored anything");
        Run unreachable = cli("fill", "--connect", "127.0.0.1:1", "--count", "1", "--block-bytes", "10");
        assertFalse(unreachable.err().contains("--help"), "help does not fix an unreachable cluster");
    }

    @Test
    void everyClientCommandDescribesItselfWithHelp() {
        for (String cmd : List.of("put", "get", "ls", "rm", "stats", "fill", "check")) {
            Run r = ok(cmd, "--help");
            assertTrue(r.out().startsWith("usage: kvgrid " + cmd + " --connect HOSTS"), r.out());
            assertTrue(r.out().lines()
                .anyMatch(l -> l.contains("--connect=HOSTS") && l.contains("thin-client addresses")), r.out());
        }
        String top = ok("--help").out();
        assertTrue(List.of("put", "get", "ls", "rm", "stats", "fill", "check").stream()
            .allMatch(c -> top.lines().anyMatch(l -> l.startsWith("  " + c + " "))), top);
    }

    private static String[] concat(String[] a, String[] b, String... c) {
        return Stream.of(a, b, c).flatMap(Arrays::stream).toArray(String[]::new);
    }
}
