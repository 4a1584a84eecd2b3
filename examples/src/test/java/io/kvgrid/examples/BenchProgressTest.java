package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class BenchProgressTest {
    @Test
    void onATerminalStepLinesBecomeABarWithTheStepAndTheElapsedTime() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        PrintStream log = BenchProgress.of(err, true, 4);
        log.printf("bench: round 1 of 1%n");
        log.printf("bench: memcpy arraycopy 64 KiB on 1 node%n");
        log.printf("bench: kvgrid put 64 KiB on 1 node%n");
        log.close();
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.contains("\r[" + ".".repeat(30) + "] 0/4  0:00  round 1 of 1"), shown);
        assertTrue(shown.contains("] 1/4  0:00  kvgrid put 64 KiB on 1 node"), shown);
        assertTrue(shown.endsWith("] 2/4  0:00  done\033[K" + System.lineSeparator()), shown);
        assertTrue(!shown.contains("bench: "), "no plain lines on a terminal: " + shown);
    }

    @Test
    void elsewhereTheLinesPassThroughAndTheStepsMatchTheRun() {
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertSame(err, BenchProgress.of(err, false, 10));
        BenchSettings quick = BenchSettings.quick();
        int sizes = BenchSettings.BLOCK_SIZES.size();
        // The tiny run in BenchTest checks the count against the lines a run logs; Redis adds 4 rows per size.
        assertEquals(BenchProgress.steps(quick, false) + 4L * sizes, BenchProgress.steps(quick, true));
    }

    @Test
    void aRunOfSomeGroupsCountsTheirStepsOnly() {
        BenchSettings quick = BenchSettings.quick();
        int sizes = BenchSettings.BLOCK_SIZES.size();
        assertEquals(2, BenchProgress.steps(quick, true, java.util.Set.of("full")), "put and put-full");
        assertEquals(2L * sizes + 2L * sizes + 1, BenchProgress.steps(quick, true,
            java.util.Set.of("memcpy", "loopback", "ssd")), "two memcpy rows and two loopback streams per size, the SSD");
        assertEquals(0, BenchProgress.steps(quick, false, java.util.Set.of("redis")), "no redis-server, no rows");
    }
}
