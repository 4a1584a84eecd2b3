package io.kvgrid.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The targets of kvgrid's issues, evaluated on one run's rows: each compares two rows of the same run (or one row's
 * p99 with its p50), so a verdict never depends on how fast this machine is. A target whose rows are missing (Redis
 * not installed, say) is reported as not measured, never as met.
 */
final class BenchGoals {
    private static final int MIB = 1 << 20;
    private static final int KIB64 = 64 << 10;

    static final String LOOPBACK_PUT =
        "3 nodes, 1 MiB: replicated put (2 copies) >= 0.3x loopback-tcp stream (the faster of its two)";
    static final String LOOPBACK_GET = "3 nodes, 1 MiB: get from another node >= 0.6x loopback-tcp stream (the faster "
        + "of its two)";

    private BenchGoals() {
    }

    /**
     * One target: {@code value} computed from the rows (null when a row it needs is missing) against {@code bound}.
     *
     * @param atLeast true: met when value >= bound; false: met when value <= bound
     */
    record Goal(String name, double bound, boolean atLeast, Function<List<BenchRow>, Double> value) {
        Verdict judge(List<BenchRow> rows) {
            Double v = value.apply(rows);
            Boolean met = v == null || v.isNaN() ? null : atLeast ? v >= bound : v <= bound;
            return new Verdict(name, v, bound, atLeast, met);
        }
    }

    /** A target's outcome: {@code met} is null when the run lacked a row the target needs. */
    record Verdict(String name, Double value, double bound, boolean atLeast, Boolean met) {
        String outcome() {
            return met == null ? "not measured" : met ? "met" : "missed";
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", name);
            m.put("value", value);
            m.put("bound", bound);
            m.put("atLeast", atLeast);
            m.put("met", met);
            return m;
        }
    }

    /** Every target, in the order the issues set them. */
    static List<Goal> all() {
        return List.of(
            gb("1 node, 1 MiB: kvgrid put >= 2x ignite-baseline put", 2.0,
                row("kvgrid", "put", MIB, 1), row("ignite-baseline", "put", MIB, 1)),
            gb("1 node, 1 MiB: kvgrid get >= 1.2x ignite-baseline get", 1.2,
                row("kvgrid", "get", MIB, 1), row("ignite-baseline", "get", MIB, 1)),
            gb("1 node, 1 MiB: kvgrid put >= 0.5x memcpy", 0.5,
                row("kvgrid", "put", MIB, 1), row("memcpy", "arraycopy", MIB, 1)),
            gb("1 node, 1 MiB: kvgrid get >= 0.5x memcpy", 0.5,
                row("kvgrid", "get", MIB, 1), row("memcpy", "arraycopy", MIB, 1)),
            gb(LOOPBACK_PUT, 0.3, row("kvgrid", "put", MIB, 3), loopbackCeiling()),
            gb(LOOPBACK_GET, 0.6, row("kvgrid", "get", MIB, 3), loopbackCeiling()),
            gb("thin client, 1 MiB: get >= 1.0x Redis GET", 1.0,
                row("kvgrid-thin", "get", MIB, 1), row("redis", "get", MIB, 1)),
            gb("thin client, 1 MiB: put (one copy) >= 1.0x Redis SET", 1.0,
                row("kvgrid-thin", "put", MIB, 1), row("redis", "put", MIB, 1)),
            gb("1 node, 2 MiB: put-full (at the watermark) >= 0.7x put (empty region)", 0.7,
                row("kvgrid", "put-full", BenchSettings.FULL_BLOCK, 1), row("kvgrid", "put", BenchSettings.FULL_BLOCK, 1)),
            new Goal("1 node, 2 MiB: put-full p99 <= 5x its p50", 5.0, false, rows -> {
                BenchRow r = row("kvgrid", "put-full", BenchSettings.FULL_BLOCK, 1).apply(rows);
                return r == null || r.p50Ms() <= 0 ? null : r.p99Ms() / r.p50Ms();
            }),
            gb("3 nodes: batchGet of 64 x 64 KiB >= 3x 64 single gets", 3.0,
                row("kvgrid", "batchGet", KIB64, 3), row("kvgrid", "get", KIB64, 3)),
            new Goal("3 nodes: lookupOnPrefix of 1,000 ids p50 <= 2 ms", 2.0, false, rows -> {
                BenchRow r = row("kvgrid", "lookupOnPrefix", 0, 3).apply(rows);
                return r == null ? null : r.p50Ms();
            }),
            gb("GPU tier, 1 MiB: host to device >= 0.8x cuMemcpyHtoD (pinned)", 0.8,
                row("kvgrid-gpu", "h2d", MIB, 1), row("cuda", "h2d", MIB, 1)),
            gb("GPU tier, 1 MiB: device to host >= 0.8x cuMemcpyDtoH (pinned)", 0.8,
                row("kvgrid-gpu", "d2h", MIB, 1), row("cuda", "d2h", MIB, 1)),
            gb("GPU tier, 32 MiB: host to device >= 0.8x cuMemcpyHtoD (pinned)", 0.8,
                row("kvgrid-gpu", "h2d", 32 * MIB, 1), row("cuda", "h2d", 32 * MIB, 1)),
            gb("GPU tier, 32 MiB: device to host >= 0.8x cuMemcpyDtoH (pinned)", 0.8,
                row("kvgrid-gpu", "d2h", 32 * MIB, 1), row("cuda", "d2h", 32 * MIB, 1)));
    }

    static List<Verdict> judge(List<BenchRow> rows) {
        List<Verdict> out = new ArrayList<>();
        for (Goal g : all())
            out.add(g.judge(rows));
        return out;
    }

    static void print(List<Verdict> verdicts, PrintStream out) {
        TextTable t = new TextTable("target", "measured", "outcome");
        for (Verdict v : verdicts)
            t.row(v.name(), v.value() == null ? "-" : String.format(v.name().contains("ms") && !v.atLeast()
                ? "%.3f ms" : "%.2fx", v.value()), v.outcome());
        t.print(out);
    }

    /** A target on the GB/s of {@code a} over the GB/s of {@code b}. */
    private static Goal gb(String name, double bound, Function<List<BenchRow>, BenchRow> a,
                           Function<List<BenchRow>, BenchRow> b) {
        return new Goal(name, bound, true, rows -> {
            BenchRow x = a.apply(rows);
            BenchRow y = b.apply(rows);
            if (x == null || y == null || x.gbPerSec() == null || y.gbPerSec() == null || y.gbPerSec() == 0)
                return null;
            return x.gbPerSec() / y.gbPerSec();
        });
    }

    /**
     * The faster 1 MiB loopback stream of the run: through a {@code java.net.Socket}, or through a channel's socket in
     * the pieces kvgrid's block channel writes (which outruns the first here), so the ceiling stays a ceiling.
     */
    private static Function<List<BenchRow>, BenchRow> loopbackCeiling() {
        Function<List<BenchRow>, BenchRow> socket = row("loopback-tcp", "stream", MIB, 1);
        Function<List<BenchRow>, BenchRow> channel = row("loopback-tcp", "stream-channel", MIB, 1);
        return rows -> {
            BenchRow a = socket.apply(rows);
            BenchRow b = channel.apply(rows);
            if (a == null || a.gbPerSec() == null)
                return b;
            return b == null || b.gbPerSec() == null || a.gbPerSec() >= b.gbPerSec() ? a : b;
        };
    }

    private static Function<List<BenchRow>, BenchRow> row(String system, String op, int blockBytes, int nodes) {
        return rows -> {
            for (BenchRow r : rows)
                if (r.system().equals(system) && r.op().equals(op) && r.blockBytes() == blockBytes
                    && r.nodes() == nodes)
                    return r;
            return null;
        };
    }
}
