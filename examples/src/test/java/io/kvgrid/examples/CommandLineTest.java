package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertUsageError("kvgrid unknown command 'replya'", "replya");
        assertUsageError("bytes a block; at most", "replay", "--tokens-per-block", "1048576", "--bytes-per-token", "1024");
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
        Traces.Run none = Traces.cli();
        assertEquals(2, none.code());
        assertTrue(none.err().contains("usage: kvgrid <command>"));
    }
}
