package io.kvgrid.examples;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Runs an operation repeatedly, bounded by count and time, after a warm-up; times each call. {@link #repeat} runs
 * whole rounds of it until their rates agree or a time cap is hit, and keeps the median round.
 */
final class Measure {
    private Measure() {
    }

    /** One operation: {@link #run} is timed and returns the payload bytes it moved; {@link #check} is not timed. */
    interface Op {
        long run(int i) throws Exception;

        default void check(int i) throws Exception {
        }
    }

    record Result(int ops, long bytes, long nanos, double p50Ms, double p99Ms) {
        double gbPerSec() {
            return nanos == 0 ? 0 : bytes / (double) nanos;
        }

        double opsPerSec() {
            return nanos == 0 ? 0 : ops * 1e9 / nanos;
        }
    }

    /** One measured round of a row; {@code round} counts from 0 (round 0 warms up, later rounds need not). */
    @FunctionalInterface
    interface Round {
        Result run(int round) throws Exception;
    }

    /**
     * What {@link #repeat} kept: the median round, how many rounds ran, and whether the last ones agreed.
     *
     * @param median the round whose rate is the median of all rounds (the lower middle of an even count)
     * @param rounds rounds run
     * @param stable true when the last {@code minRounds} rates lay within the tolerance of their median
     */
    record Repeated(Result median, int rounds, boolean stable) {
    }

    /**
     * Runs {@code round} until the rates (operations per second) of the last {@code s.minRounds()} rounds lie within
     * {@code s.tolerance()} of their median, or {@code s.maxRounds()} rounds ran, or {@code s.rowCapMillis()} passed
     * (checked between rounds, at least one round always runs); returns the median round.
     */
    static Repeated repeat(BenchSettings s, Round round) throws Exception {
        long end = System.nanoTime() + s.rowCapMillis() * 1_000_000;
        List<Result> results = new ArrayList<>();
        boolean stable = false;
        for (int r = 0; r < s.maxRounds(); r++) {
            results.add(round.run(r));
            stable = stable(rates(results), s.minRounds(), s.tolerance());
            if (stable || System.nanoTime() >= end)
                break;
        }
        return new Repeated(median(results), results.size(), stable);
    }

    /**
     * True when there are at least {@code window} rates (window >= 2) and the last {@code window} of them lie within
     * {@code tolerance} (a fraction) of their median: (max - min) / median <= tolerance.
     */
    static boolean stable(List<Double> rates, int window, double tolerance) {
        if (window < 2 || rates.size() < window)
            return false;
        List<Double> last = new ArrayList<>(rates.subList(rates.size() - window, rates.size()));
        last.sort(null);
        double median = last.get((last.size() - 1) / 2);
        return median > 0 && (last.get(last.size() - 1) - last.get(0)) / median <= tolerance;
    }

    /** The round whose rate is the median (the lower middle of an even count; a shared machine only slows down). */
    static Result median(List<Result> results) {
        if (results.isEmpty())
            throw new IllegalArgumentException("no rounds");
        List<Result> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble(Result::opsPerSec));
        return sorted.get(sorted.size() / 2);
    }

    private static List<Double> rates(List<Result> results) {
        return results.stream().map(Result::opsPerSec).toList();
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
        return run(s.warmupMillis(), s.measureMillis(), maxOps, minOps, op);
    }

    /** As {@link #run(BenchSettings, int, int, Op)} with explicit warm-up and measuring times (0: no warm-up). */
    static Result run(long warmupMillis, long measureMillis, int maxOps, int minOps, Op op) throws Exception {
        long end = System.nanoTime() + warmupMillis * 1_000_000;
        for (int i = 0; warmupMillis > 0 && i < Math.max(1, maxOps / 4) && System.nanoTime() < end; i++) {
            op.run(maxOps + i);
            op.check(maxOps + i);
        }
        Latencies lat = new Latencies();
        long bytes = 0;
        end = System.nanoTime() + measureMillis * 1_000_000;
        int i = 0;
        for (; i < maxOps && (i < minOps || System.nanoTime() < end); i++) {
            long t = System.nanoTime();
            bytes += op.run(i);
            lat.add(System.nanoTime() - t);
            op.check(i);
        }
        return new Result(i, bytes, lat.totalNanos(), lat.percentileMs(50), lat.percentileMs(99));
    }
}
