package io.kvgrid.examples;

import io.kvgrid.KvGridConfiguration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code kvgrid bench}: GB/s of kvgrid beside the memcpy ceiling, a plain Ignite cache and Redis, measured in one run
 * on this machine, so the ratios mean something even where the absolute numbers do not travel.
 */
@Command(name = "bench", customSynopsis = "kvgrid bench [--quick] [--json] [--ssd-dir DIR] [--only GROUP[,GROUP...]]",
    description = {"measure put/get throughput against memcpy, loopback TCP, a plain Ignite cache and (if installed) Redis",
        "",
        "Measures, for 64 KiB and 1 MiB blocks: the memcpy ceiling; the loopback ceiling (one TCP stream of blocks to "
            + "another process, each acknowledged, through a java.net.Socket and through a SocketChannel's socket in "
            + "512 KiB pieces); kvgrid put/get/batchGet(64)/lookupOnPrefixLength(1,000 ids) on 1 "
            + "node in this JVM and on 3 server JVMs (one backup) through a client node, and a plain Ignite cache with "
            + "kvgrid's data-region settings (page size, region size, pre-touched) the same ways; 2 MiB puts into an "
            + "empty region and into a region kept at its watermark (evictions on); put/get/batchGet through the thin "
            + "client (KvGridClient) against a server JVM, with TLS off (and on, 1 MiB); and Redis SET/GET/MGET/"
            + "pipelined GETs (when redis-server is on the PATH), one client thread and connection like every row; "
            + "on a machine with a CUDA device, the GPU tier's host-to-device and device-to-host copies of 1 MiB and "
            + "32 MiB blocks against raw cuMemcpy from pinned memory, and loads of 64 blocks into device buffers from "
            + "the GPU tier and from memory. "
            + "Then the SSD tier: spill and restore of 1 MiB blocks against sequential dd with O_DIRECT into the same "
            + "kind of preallocated file. Then the issues' targets, each met, missed or not measured.",
        "Each row is repeated until its last 3 rounds agree within 10%% (at most 7 rounds or 12 s) and reports the "
            + "median round; --quick measures one short round per row (a smoke run).",
        "Progress goes to stderr: on a terminal a bar with the current step and the elapsed time, otherwise one line "
            + "per step."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "a smoke run: one short round per row (a few minutes); otherwise each row "
        + "is repeated until stable and reports its median round")
    boolean quick;
    @Option(names = "--json", description = "print the rows as one JSON object on the last line")
    boolean json;
    @Option(names = "--ssd-dir", paramLabel = "DIR", converter = Flags.NonEmpty.class,
        description = "directory of the SSD tier bench (default: a temporary directory under the working directory, "
            + "removed afterwards; /tmp is often tmpfs)")
    String ssdDirName;
    @Option(names = "--only", paramLabel = "GROUP", split = ",", converter = Flags.NonEmpty.class,
        description = "measure only these row groups: " + GROUPS_TEXT + " (default: all); ratios and targets whose "
            + "rows were left out show as not measured")
    List<String> only;

    /** Row groups of a run, in the order they are measured. */
    static final List<String> GROUPS = List.of("memcpy", "loopback", "1node", "3jvms", "full", "thin", "redis", "gpu",
        "ssd");
    private static final String GROUPS_TEXT = "memcpy, loopback, 1node, 3jvms, full, thin, redis, gpu, ssd";

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    BenchCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws Exception {
        Path ssdDir = null;
        if (ssdDirName != null) {
            ssdDir = Path.of(ssdDirName);
            if (Files.exists(ssdDir) && !Files.isDirectory(ssdDir))
                throw new UsageException("--ssd-dir: " + ssdDir + " is not a directory");
        }
        BenchSettings s = quick ? BenchSettings.quick() : BenchSettings.full();
        java.util.Set<String> groups = new java.util.LinkedHashSet<>(only == null ? GROUPS : only);
        for (String g : groups)
            if (!GROUPS.contains(g))
                throw new UsageException("--only: unknown group '" + g + "' (groups: " + GROUPS_TEXT + ")");
        long t0 = System.nanoTime();
        List<BenchRow> rows;
        List<BenchPutSteps> steps = new ArrayList<>();
        BenchSsd ssd;
        // On a terminal the step lines drive a progress bar (steps, current step, elapsed time); else plain lines.
        PrintStream log = BenchProgress.of(err, terminal,
            BenchProgress.steps(s, s.redis() && RedisServer.executable().isPresent(), groups));
        try {
            rows = measure(s, log, groups, steps);
            ssd = groups.contains("ssd") ? BenchSsd.measure(s, ssdDir, log) : null;
        } finally {
            if (log != err)
                log.close();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        print(rows, out);
        if (!steps.isEmpty()) {
            out.println();
            BenchPutSteps.print(steps, out);
        }
        if (ssd != null) {
            out.println();
            ssd.print(out);
        }
        List<BenchGoals.Verdict> verdicts = BenchGoals.judge(rows);
        out.println();
        BenchGoals.print(verdicts, out);
        out.printf("%s run, %.0f s; GB/s = 10^9 payload bytes per second of time inside the calls, one client thread; "
            + "on 127.0.0.1, 1 node in this JVM, 3 nodes (and thin clients' servers) in JVMs of their own%s%n",
            s.name(), seconds, s.smoke()
                ? "; QUICK: a smoke run, one short round per row: the numbers show the paths work, not their speed"
                : "; each row is the median of its rounds, repeated until the last " + s.minRounds()
                    + " agree within " + Math.round(s.tolerance() * 100) + "% (at most " + s.maxRounds()
                    + " rounds or " + s.rowCapMillis() / 1000 + " s)");
        if (json)
            out.println(Json.write(json(rows, steps, ssd, s, seconds, verdicts)));
        return 0;
    }

    /**
     * Runs every measurement of {@code s} once, each row in rounds until stable or capped ({@link Measure#repeat}).
     * Progress lines go to {@code log} (may be null). Every server process started is ended before this returns,
     * also when a measurement fails.
     */
    static List<BenchRow> measure(BenchSettings s, PrintStream log) throws Exception {
        return measure(s, log, java.util.Set.copyOf(GROUPS), new ArrayList<>());
    }

    /**
     * {@link #measure(BenchSettings, PrintStream)} of the row groups named in {@code groups} only; where each kvgrid
     * put row's time went is added to {@code steps}.
     */
    static List<BenchRow> measure(BenchSettings s, PrintStream log, java.util.Set<String> groups,
                                  List<BenchPutSteps> steps) throws Exception {
        List<BenchRow> rows = new ArrayList<>();
        BenchWorkload w = new BenchWorkload(s, log);
        if (groups.contains("memcpy"))
            for (int size : BenchSettings.BLOCK_SIZES)
                w.memcpy(size, rows::add);
        if (groups.contains("loopback"))
            try (BenchJvms sink = BenchJvms.start("sink", 1, 0)) {
                for (int size : BenchSettings.BLOCK_SIZES)
                    w.loopback(size, sink, rows::add);
            }
        for (int nodes : s.nodeCounts()) {
            if (!groups.contains(nodes == 1 ? "1node" : "3jvms"))
                continue;
            try (BenchTargets.KvGrid kv = new BenchTargets.KvGrid(nodes, regionBytes(s, nodes))) {
                if (kv.processes())
                    w.warmUp(kv);
                for (int size : BenchSettings.BLOCK_SIZES) {
                    BenchPutSteps.Snapshot before = BenchPutSteps.Snapshot.of(kv);
                    List<String> stored = w.putGet(kv, size, rows::add);
                    steps.add(BenchPutSteps.since(before, kv, size, nodes));
                    if (size == BenchSettings.BLOCK_SIZES.get(0))
                        w.lookup(kv.store, nodes, stored, rows::add);
                    kv.clear();
                }
            }
            try (BenchTargets.IgniteBaseline base = new BenchTargets.IgniteBaseline(nodes, regionBytes(s, nodes))) {
                for (int size : BenchSettings.BLOCK_SIZES) {
                    try {
                        if (base.processes() && size == BenchSettings.BLOCK_SIZES.get(0))
                            w.warmUp(base);
                        w.putGet(base, size, rows::add);
                        base.clear();
                    } catch (BenchTargets.Stalled e) {
                        // Its remaining rows of this size are left out (their targets read "not measured").
                        (log != null ? log : System.err).println("bench: ignite-baseline " + (size >> 10) + " KiB on " + nodes + " nodes: "
                            + e.getMessage() + "; its remaining rows of this size are left out");
                        break; // a stalled cluster is not cleared or measured further
                    }
                }
            }
        }
        if (groups.contains("full")) {
            KvGridConfiguration full = BenchServer.kvgridConfig(s.fullRegionBytes());
            try (BenchTargets.KvGrid kv = new BenchTargets.KvGrid(1, s.fullRegionBytes(), full)) {
                w.putFull(kv, s.fullRegionBytes(), full.getHighWatermark(), rows::add);
            }
        }
        if (groups.contains("thin")) {
            try (BenchThin thin = new BenchThin(false, regionBytes(s, 1))) {
                for (int size : BenchSettings.BLOCK_SIZES) {
                    w.putGet(thin, size, rows::add);
                    thin.clear();
                }
            }
            try (BenchThin thin = new BenchThin(true, regionBytes(s, 1))) {
                w.putGet(thin, 1 << 20, rows::add);
            }
        }
        Optional<Path> redis = s.redis() && groups.contains("redis") ? RedisServer.executable() : Optional.empty();
        if (redis.isPresent()) {
            try (BenchTargets.Redis r = new BenchTargets.Redis(RedisServer.start(redis.get()))) {
                for (int size : BenchSettings.BLOCK_SIZES) {
                    w.putGet(r, size, rows::add);
                    r.clear();
                }
            }
        } else if (log != null && s.redis() && groups.contains("redis")) {
            log.println("bench: no redis-server on the PATH, Redis rows left out");
        }
        if (groups.contains("gpu"))
            BenchGpu.measure(s, log, rows::add);
        return rows;
    }

    /** Room for the most blocks one block size puts (with warm-up), both copies, with headroom. */
    private static long regionBytes(BenchSettings s, int nodes) {
        long most = 0;
        for (int size : BenchSettings.BLOCK_SIZES)
            most = Math.max(most, (long) (s.putBlocks(size) * 1.25 + 1) * size);
        int copies = Math.min(2, nodes);
        return Math.max(256L << 20, most * copies / nodes * 2 + (128L << 20));
    }

    static void print(List<BenchRow> rows, PrintStream out) {
        TextTable t = new TextTable("system", "op", "block", "nodes", "GB/s", "p50 ms", "p99 ms", "ops/s",
            "vs memcpy", "vs ignite", "rounds");
        for (BenchRow r : rows) {
            BenchRow ceiling = find(rows, "memcpy", "arraycopy", r.blockBytes(), 1);
            BenchRow base = find(rows, "ignite-baseline", r.op(), r.blockBytes(), r.nodes());
            t.row(r.system(), r.op(), r.blockBytes() == 0 ? "-" : TextTable.bytes(r.blockBytes()),
                r.nodes() + (r.processes() && r.nodes() > 1 ? " jvms" : ""),
                r.gbPerSec() == null ? "-" : String.format("%.3f", r.gbPerSec()), String.format("%.3f", r.p50Ms()),
                String.format("%.3f", r.p99Ms()), String.format("%.0f", r.opsPerSec()),
                ratio(r, ceiling), r.system().equals("ignite-baseline") ? "-" : ratio(r, base),
                r.rounds() + (r.stable() ? "" : r.rounds() > 1 ? " capped" : ""));
        }
        t.print(out);
    }

    private static String ratio(BenchRow r, BenchRow ref) {
        if (ref == null || r.gbPerSec() == null || ref.gbPerSec() == null || ref.gbPerSec() == 0)
            return "-";
        return String.format("%.2fx", r.gbPerSec() / ref.gbPerSec());
    }

    private static BenchRow find(List<BenchRow> rows, String system, String op, int blockBytes, int nodes) {
        for (BenchRow r : rows)
            if (r.system().equals(system) && r.op().equals(op) && r.blockBytes() == blockBytes && r.nodes() == nodes)
                return r;
        return null;
    }

    /** The JSON object: {@code rows} (memcpy, ignite-baseline, kvgrid, redis) and the SSD tier figures apart. */
    static Map<String, Object> json(List<BenchRow> rows, List<BenchPutSteps> steps, BenchSsd ssd, BenchSettings s,
                                    double seconds) {
        return json(rows, steps, ssd, s, seconds, BenchGoals.judge(rows));
    }

    static Map<String, Object> json(List<BenchRow> rows, List<BenchPutSteps> steps, BenchSsd ssd, BenchSettings s,
                                    double seconds, List<BenchGoals.Verdict> verdicts) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", s.name());
        m.put("smoke", s.smoke());
        m.put("seconds", seconds);
        m.put("minRounds", s.minRounds());
        m.put("maxRounds", s.maxRounds());
        m.put("tolerance", s.tolerance());
        List<Object> list = new ArrayList<>();
        for (BenchRow r : rows)
            list.add(r.toJson());
        m.put("rows", list);
        m.put("putSteps", steps.stream().map(BenchPutSteps::toJson).toList());
        if (ssd != null)
            m.put("ssd", ssd.toJson());
        List<Object> targets = new ArrayList<>();
        for (BenchGoals.Verdict v : verdicts)
            targets.add(v.toJson());
        m.put("targets", targets);
        return m;
    }
}
