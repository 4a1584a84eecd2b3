package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** kill -9 of a real JVM in the middle of spilling, then recovery of the same directory. */
@Timeout(600)
class SsdCrashTest {
    private static final int SLOTS = 12;
    private static final int SIZE = 128 * 1024;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    /** The JVM flags Chronicle Map needs, as this test JVM got them. */
    private static List<String> jvmFlags() {
        List<String> out = new ArrayList<>();
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            if (a.startsWith("--add-opens=") || a.startsWith("--add-exports=") || a.startsWith("-Dchronicle."))
                out.add(a);
            else if ((a.equals("--add-opens") || a.equals("--add-exports")) && i + 1 < in.size()) {
                out.add(a);
                out.add(in.get(++i));
            }
        }
        return out;
    }

    private Process startChild(String prefix, int maxPuts) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmFlags());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SsdCrashChild.class.getName());
        cmd.addAll(List.of(dir.toString(), prefix, String.valueOf(SLOTS), String.valueOf(SIZE),
            String.valueOf(maxPuts), "60"));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void afterKillNineEveryBlockIsIntactOrAbsentAndEveryAcknowledgedRecentBlockSurvives() throws Exception {
        Set<String> everBegun = new HashSet<>();
        for (int round = 0; round < ROUNDS; round++) {
            String prefix = "r" + round + "-";
            int killAfter = 30 + 7 * round;     // acks before the kill: well past capacity, so LRU drops ran
            Process child = startChild(prefix, 10_000);
            List<String> acked = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line = null;
                while (acked.size() < killAfter && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f[0].equals("BEGIN"))
                        everBegun.add(f[1]);
                    else if (f[0].equals("ACK"))
                        acked.add(f[1]);
                }
                // SIGKILL, possibly mid-write. Through the ProcessHandle, which (unlike Process.destroyForcibly)
                // leaves the pipe open so we can read what the child printed before it died.
                assertTrue(child.toHandle().destroyForcibly());
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                // What the child printed between our last read and the kill is still in the pipe.
                while ((line = out.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f[0].equals("BEGIN"))
                        everBegun.add(f[1]);
                    else if (f[0].equals("ACK"))
                        acked.add(f[1]);
                }
            }
            assertTrue(acked.size() >= killAfter, "child acknowledged too few puts before the deadline");
            assertFalse(Files.exists(dir.resolve(SsdTier.CLEAN_MARKER)));

            try (SsdTier ssd = SsdTier.open(Blocks.config(dir, (long) SLOTS * SIZE))) {
                assertTrue(ssd.recoveredOnOpen());
                List<String> present = Blocks.keys(ssd);
                for (String key : present) {
                    assertTrue(everBegun.contains(key), "unknown key " + key);
                    byte[] got;
                    try {
                        got = ssd.get(key);
                    } catch (KvGridException e) {
                        assertEquals(ErrorCode.CHECKSUM_MISMATCH, e.code());
                        assertFalse(ssd.contains(key), "a torn block is dropped, never returned");
                        continue;
                    }
                    if (got != null)
                        Payload.assertPayload(key, SIZE, got);
                }
                // Strict LRU with equal sizes: the newest SLOTS - 1 acknowledged blocks cannot have been dropped
                // (the put in flight at the kill may have taken one slot).
                for (String key : acked.subList(acked.size() - (SLOTS - 1), acked.size())) {
                    byte[] got = ssd.get(key);
                    if (got == null)
                        fail("acknowledged block " + key + " was lost; present: " + present);
                    Payload.assertPayload(key, SIZE, got);
                }
                assertTrue(ssd.blockCount() <= SLOTS);
                assertTrue(ssd.usedBytes() <= ssd.capacityBytes());
                // Free space was rebuilt: spilling more still works and keeps the sizes consistent.
                assertTrue(Blocks.put(ssd, prefix + "after", SIZE));
                Blocks.assertStored(ssd, prefix + "after", SIZE);
            }
            // The clean close above is followed by the next round's kill: each round starts clean, ends unclean.
        }
    }
}
