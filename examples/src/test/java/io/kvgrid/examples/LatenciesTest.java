package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class LatenciesTest {
    @Test
    void percentilesAreTheRecordedValuesWithinATenthOfAPercent() {
        Latencies l = new Latencies();
        assertEquals(0, l.percentileMs(50), "nothing recorded");
        for (int i = 1; i <= 1000; i++)
            l.add(i * 1_000_000L);   // 1 ms .. 1000 ms
        assertEquals(1000, l.count());
        assertEquals(500_500L * 1_000_000L, l.totalNanos(), "the total is exact");
        assertEquals(500, l.percentileMs(50), 0.5);
        assertEquals(990, l.percentileMs(99), 1.0);
        assertEquals(1000, l.percentileMs(100), 1.0);
        assertEquals(1, l.percentileMs(0.1), 0.001);
    }
}
