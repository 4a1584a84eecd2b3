package io.kvgrid.examples;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a kvgrid put row's time went, from the writing node's own meters ({@code kvgrid.put.phases} beside
 * {@code kvgrid.operations{op=put}}): the mean of each cluster step per put call over the whole row (warm-up and every
 * round), so each run shows which step a slow put row waited on, measured on the same puts as the row.
 *
 * @param blockBytes bytes per block of the row
 * @param nodes      server nodes of the row
 * @param puts       put calls timed
 * @param putMs      mean time of a put call
 * @param reserveMs  mean time reserving region room on the nodes of every copy
 * @param payloadMs  mean time writing the payload to every copy
 * @param installMs  mean time installing the record
 * @param channelMs  mean time of writes sent to the records' primaries over their block channels (a client node's
 *                   writes: the primaries' own meters hold their steps)
 * @param onPrimaries the steps the records' primaries took for those channel writes, per put of the row, read from
 *                   the server JVMs' meters (zeros on one node)
 */
record BenchPutSteps(int blockBytes, int nodes, long puts, double putMs, double reserveMs, double payloadMs,
                     double installMs, double channelMs, PrimarySteps onPrimaries) {
    /** Mean ms per put of the row that the records' primaries spent in each step of the channel writes. */
    record PrimarySteps(double reserveMs, double payloadMs, double installMs) {
        double sum() {
            return reserveMs + payloadMs + installMs;
        }
    }

    static final List<String> STEPS = List.of("reserve", "payload", "install", "channel");

    /**
     * Counts and total nanoseconds of the put timer and each step timer
     * ({@code [put, reserve, payload, install, channel]}).
     */
    record Snapshot(long[] counts, double[] nanos, double[] serverNanos) {
        static Snapshot of(MeterRegistry registry) {
            long[] counts = new long[1 + STEPS.size()];
            double[] nanos = new double[counts.length];
            add(registry.find("kvgrid.operations").tag("op", "put").timers(), 0, counts, nanos);
            for (int i = 0; i < STEPS.size(); i++)
                add(registry.find("kvgrid.put.phases").tag("phase", STEPS.get(i)).timers(), i + 1, counts, nanos);
            return new Snapshot(counts, nanos, new double[counts.length]);
        }

        /** The writing node's meters, and the server JVMs' step totals beside them. */
        static Snapshot of(BenchTargets.KvGrid kv) {
            Snapshot local = of(kv.meters);
            return new Snapshot(local.counts, local.nanos, kv.serverStepNanos());
        }

        private static void add(java.util.Collection<Timer> timers, int i, long[] counts, double[] nanos) {
            for (Timer t : timers) {
                counts[i] += t.count();
                nanos[i] += t.totalTime(TimeUnit.NANOSECONDS);
            }
        }
    }

    /** The steps of the puts between {@code before} and now. */
    static BenchPutSteps since(Snapshot before, BenchTargets.KvGrid kv, int blockBytes, int nodes) {
        Snapshot now = Snapshot.of(kv);
        long puts = now.counts[0] - before.counts[0];
        double[] ms = perPut(now.nanos, before.nanos, puts);
        double[] srv = perPut(now.serverNanos, before.serverNanos, puts);
        return new BenchPutSteps(blockBytes, nodes, puts, ms[0], ms[1], ms[2], ms[3], ms[4],
            new PrimarySteps(srv[1], srv[2], srv[3]));
    }

    private static double[] perPut(double[] now, double[] before, long puts) {
        double[] ms = new double[now.length];
        for (int i = 0; i < ms.length; i++)
            ms[i] = puts == 0 ? 0 : (now[i] - before[i]) / puts / 1e6;
        return ms;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("blockBytes", blockBytes);
        m.put("nodes", nodes);
        m.put("puts", puts);
        m.put("putMs", putMs);
        m.put("reserveMs", reserveMs);
        m.put("payloadMs", payloadMs);
        m.put("installMs", installMs);
        m.put("channelMs", channelMs);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("reserveMs", onPrimaries.reserveMs);
        p.put("payloadMs", onPrimaries.payloadMs);
        p.put("installMs", onPrimaries.installMs);
        m.put("onPrimaries", p);
        return m;
    }

    static void print(List<BenchPutSteps> steps, PrintStream out) {
        TextTable t = new TextTable("kvgrid put", "nodes", "puts", "put ms", "reserve", "payload", "install",
            "channel", "rest");
        for (BenchPutSteps s : steps)
            t.row(TextTable.bytes(s.blockBytes), s.nodes, s.puts, ms(s.putMs), ms(s.reserveMs), ms(s.payloadMs),
                ms(s.installMs), ms(s.channelMs), ms(s.putMs - s.reserveMs - s.payloadMs - s.installMs - s.channelMs));
        t.print(out);
        out.println("(mean per put over each put row, warm-up included: room reserved on the nodes of every copy, the "
            + "payload written to every copy, the record installed; channel = a client node's puts sent to the "
            + "records' primaries over their block channels, which take the other steps there; rest = work on the "
            + "writing node)");
        TextTable p = new TextTable("on the primaries", "nodes", "channel", "reserve", "payload", "install", "other");
        for (BenchPutSteps s : steps)
            if (s.channelMs > 0)
                p.row(TextTable.bytes(s.blockBytes), s.nodes, ms(s.channelMs), ms(s.onPrimaries.reserveMs),
                    ms(s.onPrimaries.payloadMs), ms(s.onPrimaries.installMs), ms(s.channelMs - s.onPrimaries.sum()));
        if (p.isEmpty())
            return;
        out.println();
        p.print(out);
        out.println("(the channel step of the rows above as the records' primaries took it, from the server JVMs' "
            + "meters, per put: room reserved on every copy's node, the payload written to both copies, the record "
            + "installed; other = the payload and the answer on the wire, and the primary reading the request)");
    }

    private static String ms(double v) {
        return String.format("%.3f", v);
    }
}
