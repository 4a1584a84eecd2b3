package io.kvgrid.examples;

/** Runs an operation repeatedly, bounded by count and time, after a warm-up; times each call. */
final class Measure {
    private Measure() {
    }

    /** One operation: {@link #run} is timed and returns the payload bytes it moved; {@link #check} is not timed. */
    interface Op {
        long run(int i) throws Exception;

        default void check(int i) throws Exception {
        }
    }

    record Result(int ops, long bytes, long nanos, double p50Ms) {
        double gbPerSec() {
            return nanos == 0 ? 0 : bytes / (double) nanos;
        }

        double opsPerSec() {
            return nanos == 0 ? 0 : ops * 1e9 / nanos;
        }
    }

    /**
     * Warms up for {@code s.warmupMillis()} (at most a quarter of {@code maxOps} calls, numbered from
     * {@code maxOps}), then measures at most {@code maxOps} calls or {@code s.measureMillis()}.
     */
    static Result run(BenchSettings s, int maxOps, Op op) throws Exception {
        return run(s, maxOps, 1, op);
    }

    /** As {@link #run(BenchSettings, int, Op)}, but at least {@code minOps} calls whatever the time. */
    static Result run(BenchSettings s, int maxOps, int minOps, Op op) throws Exception {
        long end = System.nanoTime() + s.warmupMillis() * 1_000_000;
        for (int i = 0; i < Math.max(1, maxOps / 4) && System.nanoTime() < end; i++) {
            op.run(maxOps + i);
            op.check(maxOps + i);
        }
        Latencies lat = new Latencies();
        long bytes = 0;
        end = System.nanoTime() + s.measureMillis() * 1_000_000;
        int i = 0;
        for (; i < maxOps && (i < minOps || System.nanoTime() < end); i++) {
            long t = System.nanoTime();
            bytes += op.run(i);
            lat.add(System.nanoTime() - t);
            op.check(i);
        }
        return new Result(i, bytes, lat.totalNanos(), lat.percentileMs(50));
    }
}
