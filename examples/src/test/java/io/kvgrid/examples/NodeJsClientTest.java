package io.kvgrid.examples;

import io.kvgrid.BlockStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.IgniteCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Node.js example (examples/nodejs) against a real kvgrid node: blocks cross between Node.js, which reaches kvgrid
 * through its SQL functions, and Java, which reads and writes the embedded store, byte for byte.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class NodeJsClientTest {
    /** Bounds each Node.js process; the scripts give up on their own after two minutes. */
    private static final long SCRIPT_SECONDS = 150;

    private static Path node;
    private static Path dir;
    /** Why the tests cannot run here, or null. */
    private static String missing;
    private static TestCluster cluster;

    @BeforeAll
    static void startNodeWhenNodeJsIsAtHand() {
        dir = exampleDir();
        node = onPath("node");
        if (node == null)
            missing = "node is not on the PATH (CI installs Node.js; see .ci/run)";
        else if (!Files.isRegularFile(dir.resolve("node_modules/apache-ignite-client/package.json")))
            missing = "apache-ignite-client is not installed: run 'npm ci' in " + dir;
        else
            cluster = TestCluster.start(1);
    }

    /** Skips each test, rather than the class, so that the reason shows in the test report. */
    @BeforeEach
    void needsNodeJs() {
        assumeTrue(missing == null, missing);
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    @Test
    void aBlockPutFromNodeJsIsStoredWithExactlyTheBytesTheScriptDerivedAndTheBadKeyAndRawWriteLeftNothing(
        @TempDir Path tmp) throws Exception {
        String key = "nodejs/put-get-" + System.nanoTime();
        int size = 300_001;   // not a multiple of the 32-byte digest blocks the payload is cut from
        Run run = node(tmp, "put-get.js", cluster.thinClientAddress(0), key, Integer.toString(size));
        assertEquals(0, run.exit, run.output);

        Matcher ok = Pattern.compile("(?m)^OK key=(.*) bytes=(\\d+) sha256=([0-9a-f]{64})$").matcher(run.output);
        assertTrue(ok.find(), run.output);
        assertEquals(key, ok.group(1));
        assertEquals(size, Integer.parseInt(ok.group(2)));
        assertTrue(run.output.contains("bad key refused: INVALID_KEY [key]: must not contain control character U+0001"),
            run.output);

        BlockStore store = cluster.store(0);
        byte[] expected = payload(key, size);
        assertArrayEquals(expected, store.get(key), "the block as the script derives it from key and size");
        assertEquals(sha256(expected), ok.group(3));
        assertEquals(List.of(key), store.listKeys(Pattern.quote(key) + ".*"), "only the good key was stored");
        IgniteCache<Object, Object> meta = cluster.node(0).ignite().cache("kvgrid-meta").withKeepBinary();
        assertFalse(meta.containsKey(key + "\u0001"), "the refused key left no record");
        assertFalse(meta.containsKey(key + "/raw"), "the refused raw write left no entry");
    }

    @Test
    void aBlockPutFromJavaIsReadByNodeJsWithTheSameDigestAndAnAbsentKeyIsReportedAsNotFound(@TempDir Path tmp)
        throws Exception {
        String key = "java/for-nodejs-" + System.nanoTime();
        byte[] block = Payload.of(key, 123_457);
        assertTrue(cluster.store(0).put(key, block).stored());

        Run run = node(tmp, "get.js", cluster.thinClientAddress(0), key);
        assertEquals(0, run.exit, run.output);
        assertEquals("key=" + key + " bytes=" + block.length + " sha256=" + sha256(block), run.output.strip());

        Run absent = node(tmp, "get.js", cluster.thinClientAddress(0), key + "/absent");
        assertEquals(3, absent.exit, absent.output);
        assertTrue(absent.output.startsWith("NOT_FOUND: "), absent.output);
    }

    /** The example's payload: SHA-256(key + "#0") || SHA-256(key + "#1") || ... cut to {@code size} bytes. */
    private static byte[] payload(String key, int size) throws Exception {
        byte[] out = new byte[size];
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 0, at = 0; at < size; i++) {
            byte[] d = sha.digest((key + "#" + i).getBytes(StandardCharsets.UTF_8));
            System.arraycopy(d, 0, out, at, Math.min(d.length, size - at));
            at += d.length;
        }
        return out;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private record Run(int exit, String output) {
    }

    /** Runs a script of the example with bounded time; its stdout and stderr land in one file (no pipe to drain). */
    private static Run node(Path tmp, String script, String... args) throws Exception {
        Path log = Files.createTempFile(tmp, script, ".log");
        List<String> cmd = new java.util.ArrayList<>(List.of(node.toString(), script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        if (!p.waitFor(SCRIPT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail(script + " ran past " + SCRIPT_SECONDS + " s: " + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log));
    }

    /** examples/nodejs: tests run in the examples module's directory (or the repository root, from an IDE). */
    private static Path exampleDir() {
        Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d : List.of(cwd.resolve("nodejs"), cwd.resolve("examples/nodejs")))
            if (Files.isRegularFile(d.resolve("put-get.js")))
                return d;
        throw new IllegalStateException("examples/nodejs/put-get.js not found from " + cwd);
    }

    private static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null)
            return null;
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p))
                return p;
        }
        return null;
    }
}
