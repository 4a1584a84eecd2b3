package io.kvgrid.examples;

import java.util.Arrays;

/** Operation latencies in nanoseconds; percentiles by nearest rank. */
final class Latencies {
    private long[] nanos = new long[1024];
    private int n;

    void add(long ns) {
        if (n == nanos.length)
            nanos = Arrays.copyOf(nanos, n * 2);
        nanos[n++] = ns;
    }

    int count() {
        return n;
    }

    long totalNanos() {
        long t = 0;
        for (int i = 0; i < n; i++)
            t += nanos[i];
        return t;
    }

    /** The {@code p}-th percentile (0 < p <= 100) in milliseconds; 0 when nothing was recorded. */
    double percentileMs(double p) {
        if (n == 0)
            return 0;
        long[] s = Arrays.copyOf(nanos, n);
        Arrays.sort(s);
        int rank = (int) Math.ceil(p / 100.0 * n);
        return s[Math.max(0, Math.min(n - 1, rank - 1))] / 1e6;
    }
}
