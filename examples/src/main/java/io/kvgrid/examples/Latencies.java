package io.kvgrid.examples;

import org.HdrHistogram.Histogram;

/**
 * Operation latencies in nanoseconds, in an HdrHistogram (three significant digits, so a percentile is within 0.1%
 * of the recorded value, in constant memory however long the run); the total is kept exactly.
 */
final class Latencies {
    private final Histogram histogram = new Histogram(3);
    private long totalNanos;

    void add(long ns) {
        histogram.recordValue(Math.max(0, ns));
        totalNanos += ns;
    }

    int count() {
        return (int) histogram.getTotalCount();
    }

    long totalNanos() {
        return totalNanos;
    }

    /** The {@code p}-th percentile (0 < p <= 100) in milliseconds; 0 when nothing was recorded. */
    double percentileMs(double p) {
        if (histogram.getTotalCount() == 0)
            return 0;
        return histogram.getValueAtPercentile(p) / 1e6;
    }
}
