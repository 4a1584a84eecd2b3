package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(600)
class CommandLineTest {
    private static void assertUsageError(String expected, String... args) {
        Traces.Run run = Traces.cli(args);
        assertEquals(2, run.code(), "exit status of " + String.join(" ", args));
        assertTrue(run.err().contains(expected), "stderr says '" + expected + "', was: " + run.err());
        assertTrue(run.err().contains("--help"), "stderr points to --help");
        assertEquals("", run.out(), "nothing is run");
    }

    @Test
    void anUnknownFlagIsNamedAndExitsWithStatusTwo() {
        assertUsageError("kvgrid replay: unknown option '--frobnicate'", "replay", "--frobnicate", "3");
        assertUsageError("kvgrid bench: unknown option '--nodes'", "bench", "--nodes", "3");
        assertUsageError("kvgrid node: unknown option '--port'", "node", "--port=1");
    }

    @Test
    void negativeAndZeroNumbersAreRejectedNamingTheFlag() {
        assertUsageError("--nodes must be from 1 to 10, was -1", "replay", "--nodes", "-1");
        assertUsageError("--capacity-blocks must be a positive number, was -5", "replay", "--capacity-blocks", "-5");
        assertUsageError("--max-requests must be a positive number, was 0", "replay", "--max-requests=0");
        assertUsageError("--bytes-per-token must be a positive number, was -8", "replay", "--bytes-per-token", "-8");
        assertUsageError("--tokens-per-block must be a whole number, was 'lots'", "replay", "--tokens-per-block", "lots");
    }

    @Test
    void malformedCommandLinesSayWhatIsWrong() {
        assertUsageError("--trace needs a value", "replay", "--trace");
        assertUsageError("--nodes is given twice", "replay", "--nodes", "1", "--nodes", "2");
        assertUsageError("unexpected argument 'trace.jsonl'", "replay", "trace.jsonl");
        assertUsageError("--trace: no such file /nonexistent/trace.jsonl", "replay", "--trace", "/nonexistent/trace.jsonl");
        assertUsageError("--json takes no value", "bench", "--json=yes");
        assertUsageError("--only: unknown group 'tpu' (groups: memcpy, loopback, 1node, 3jvms, full, thin, redis, gpu, ssd)",
            "bench", "--only", "full,tpu");
        assertUsageError("kvgrid unknown command 'replya'", "replya");
        assertUsageError("bytes a block; at most", "replay", "--tokens-per-block", "1048576", "--bytes-per-token", "1024");
    }

    @Test
    void theGpuFlagsNeedACapacityAndAKnownDevice() {
        assertUsageError("--gpu-device needs --gpu-bytes", "replay", "--gpu-device", "host");
        assertUsageError("--gpu-device: ", "replay", "--gpu-bytes", "1048576", "--gpu-device", "tpu:0");
        assertUsageError("--gpu-device must be cuda:N or host", "replay", "--gpu-bytes", "1048576", "--gpu-device",
            "none");
        assertUsageError("--gpu-bytes must be a positive number, was 0", "replay", "--gpu-bytes", "0");
    }

    @Test
    void theSsdFlagsGoTogetherAndNeedRoomForABlock() {
        assertUsageError("--ssd-bytes must be at least 65536", "replay", "--ssd-dir", "/tmp/x", "--ssd-bytes", "1000");
        assertUsageError("does not hold one block of 131072 bytes", "replay", "--ssd-dir", "/tmp/x", "--ssd-bytes",
            "70000", "--tokens-per-block", "65536", "--bytes-per-token", "2");
        assertUsageError("--ssd-dir: /dev/null is not a directory", "replay", "--ssd-dir", "/dev/null",
            "--ssd-bytes", "1000000");
        assertUsageError("--ssd-dir and --ssd-bytes go together", "replay", "--ssd-dir", "/tmp/x");
        assertUsageError("--ssd-bytes must be a positive number, was -1", "replay", "--ssd-dir", "/tmp/x",
            "--ssd-bytes", "-1");
    }

    @Test
    void helpIsPrintedForTheCommandAndEachSubcommand() {
        Traces.Run top = Traces.cli("--help");
        assertEquals(0, top.code());
        assertTrue(top.out().contains("replay") && top.out().contains("bench") && top.out().contains("node"));
        for (String cmd : new String[] {"replay", "bench", "node"}) {
            Traces.Run run = Traces.cli(cmd, "--help");
            assertEquals(0, run.code());
            assertTrue(run.out().startsWith("usage: kvgrid " + cmd), run.out());
        }
        Traces.Run viaHelp = Traces.cli("help", "replay");
        assertEquals(0, viaHelp.code());
        assertTrue(viaHelp.out().startsWith("usage: kvgrid replay"), viaHelp.out());
        Traces.Run none = Traces.cli();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("usage: kvgrid <command>"));
    }

    @Test
    void underscoresInNumbersAreAcceptedAndStillRangeChecked() {
        assertUsageError("--nodes must be from 1 to 10, was 11", "replay", "--nodes", "1_1");
        assertUsageError("--threads must be from 1 to 256, was 1000", "fill", "--connect", "127.0.0.1:1", "--count",
            "1_000", "--block-bytes", "10", "--threads", "1_000");
        assertUsageError("--trace must not be empty", "replay", "--trace", " ");
    }

    @Test
    void theTopLevelNamesAnUnknownCommandOrFlag() {
        assertUsageError("kvgrid unknown option '--frobnicate'", "--frobnicate");
        assertUsageError("did you mean replay", "replya");
        assertUsageError("kvgrid unknown command 'nosuch'", "help", "nosuch");
    }

    @Test
    void completionPrintsABashScriptForEveryCommandAndItsFlags() {
        Traces.Run run = Traces.cli("completion");
        assertEquals(0, run.code(), run.err());
        String script = run.out();
        assertTrue(script.startsWith("#!/usr/bin/env bash"), script.lines().findFirst().orElse(""));
        assertTrue(script.contains("complete -F _complete_kvgrid"), "the script registers itself for kvgrid");
        String commands = script.lines().filter(l -> l.strip().startsWith("local commands=")).findFirst()
            .orElseThrow(() -> new AssertionError("no top-level command list in the script"));
        for (String cmd : new String[] {"replay", "bench", "node", "certs", "put", "get", "ls", "rm", "stats", "fill",
            "check"})
            assertTrue(commands.matches(".*[\\s\"]" + cmd + "[\\s\"].*"), cmd + " is completed: " + commands);
        assertTrue(script.contains("--tokens-per-block") && script.contains("--block-bytes")
            && script.contains("--tls-dir"), "each command's flags are completed");
    }

    /** The script run by bash itself: completing a command's name and a flag of that command. */
    @Test
    void bashCompletesCommandNamesAndFlagsWithTheScript(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is installed");
        Path script = Files.writeString(dir.resolve("kvgrid-completion.bash"), Traces.cli("completion").out());
        assertEquals("[replay]", complete(script, "kvgrid", "rep"));
        assertEquals("[--tokens-per-block]", complete(script, "kvgrid", "replay", "--tok"));
        assertEquals("[--threads]", complete(script, "kvgrid", "fill", "--thr"));
    }

    private static String complete(Path script, String... words) throws Exception {
        String line = String.join(" ", words);
        Process p = new ProcessBuilder("/bin/bash", "-c", "source \"$0\" && COMP_WORDS=(" + line + ") && COMP_CWORD="
            + (words.length - 1) + " && COMP_LINE='" + line + "' && _complete_kvgrid 2>/dev/null; "
            + "echo \"[${COMPREPLY[*]}]\"", script.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bash finished");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
