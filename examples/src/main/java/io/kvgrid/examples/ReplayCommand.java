package io.kvgrid.examples;

import io.kvgrid.ssd.SsdTierConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code kvgrid replay}: replays a Mooncake trace (or the built-in generator) against an embedded cluster. */
final class ReplayCommand {
    static final String USAGE = """
        usage: kvgrid replay [--trace FILE] [--nodes N] [--capacity-blocks N] [--tokens-per-block T]
                             [--bytes-per-token B] [--ssd-dir DIR --ssd-bytes N] [--max-requests N] [--seed S] [--json]

        Replays a Mooncake-format JSONL trace (timestamp, input_length, output_length, hash_ids) against an embedded
        kvgrid cluster: per request lookupOnPrefixLength, load of the hit prefix (bytes verified), dump of the rest.

          --trace FILE          trace to replay (default: built-in multi-turn conversation generator)
          --nodes N             embedded server nodes, 1 to 10 (default 1)
          --capacity-blocks N   blocks the memory tier of the whole cluster holds (default: unbounded)
          --tokens-per-block T  tokens per block, the trace's block size (default 512)
          --bytes-per-token B   KV bytes per token; blocks are T x B bytes (default 16)
          --ssd-dir DIR         SSD tier behind the memory tier: evicted blocks spill there (each node uses
                                DIR/<node id>; with --ssd-bytes)
          --ssd-bytes N         SSD tier capacity per node in bytes
          --max-requests N      replay at most N requests (generator default 1000)
          --seed S              seed of the built-in generator (default 1)
          --json                print the summary as one JSON object on the last line
        """;

    private static final Set<String> VALUES = Set.of("--trace", "--nodes", "--capacity-blocks", "--tokens-per-block",
        "--bytes-per-token", "--ssd-dir", "--ssd-bytes", "--max-requests", "--seed");
    private static final Set<String> SWITCHES = Set.of("--json", "--help");
    private static final int MAX_BLOCK_BYTES = 256 << 20;

    private ReplayCommand() {
    }

    /** Validated options; every error is a {@link UsageException} naming the flag. */
    static ReplayOptions parse(CliArgs a) {
        int nodes = a.intNumber("--nodes", 1, 1, 10);
        long capacity = a.number("--capacity-blocks", 0, 1, Long.MAX_VALUE);
        int t = a.intNumber("--tokens-per-block", 512, 1, 1 << 20);
        int b = a.intNumber("--bytes-per-token", 16, 1, 1 << 30);
        if ((long) t * b > MAX_BLOCK_BYTES)
            throw new UsageException("--tokens-per-block x --bytes-per-token is " + (long) t * b
                + " bytes a block; at most " + MAX_BLOCK_BYTES);
        int max = a.intNumber("--max-requests", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        long seed = a.number("--seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        String ssdDir = a.string("--ssd-dir");
        long ssdBytes = a.number("--ssd-bytes", 0, 1, Long.MAX_VALUE);
        if ((ssdDir == null) != (ssdBytes == 0))
            throw new UsageException("--ssd-dir and --ssd-bytes go together");
        Path ssd = null;
        if (ssdDir != null) {
            ssd = Path.of(ssdDir);
            if (Files.exists(ssd) && !Files.isDirectory(ssd))
                throw new UsageException("--ssd-dir: " + ssdDir + " is not a directory");
            if (ssdBytes < SsdTierConfig.MIN_CAPACITY_BYTES)
                throw new UsageException("--ssd-bytes must be at least " + SsdTierConfig.MIN_CAPACITY_BYTES
                    + " (64 KiB), was " + ssdBytes);
            if (ssdBytes < (long) t * b)
                throw new UsageException("--ssd-bytes " + ssdBytes + " does not hold one block of " + (long) t * b
                    + " bytes");
        }
        String trace = a.string("--trace");
        Path file = null;
        if (trace != null) {
            file = Path.of(trace);
            if (!Files.isRegularFile(file))
                throw new UsageException("--trace: no such file " + trace);
            if (a.has("--seed"))
                throw new UsageException("--seed only applies to the built-in generator, not to --trace");
        }
        return new ReplayOptions(file, nodes, capacity, t, b, max, seed, ssd, ssdBytes);
    }

    static List<TraceRequest> requests(ReplayOptions o) throws IOException {
        if (o.trace() != null)
            return TraceReader.read(o.trace(), o.maxRequests());
        int n = o.maxRequests() == Integer.MAX_VALUE ? ReplayOptions.GENERATED_REQUESTS : o.maxRequests();
        return new ConversationGenerator(o.seed(), o.tokensPerBlock()).generate(n);
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) throws IOException {
        CliArgs a = new CliArgs(args, VALUES, SWITCHES);
        if (a.flag("--help")) {
            out.print(USAGE);
            return 0;
        }
        ReplayOptions o = parse(a);
        List<TraceRequest> reqs = requests(o);
        if (reqs.isEmpty())
            throw new UsageException("--trace: " + o.trace() + " holds no requests");
        long unique = Replayer.uniqueBlocks(reqs);
        out.printf("replaying %d requests from %s on %d node%s: blocks of %d tokens x %d B = %s, memory tier %s%n",
            reqs.size(), o.trace() == null ? "the built-in conversation generator" : o.trace(), o.nodes(),
            o.nodes() == 1 ? "" : "s", o.tokensPerBlock(), o.bytesPerToken(), TextTable.bytes(o.blockBytes()),
            o.bounded() ? "of " + o.capacityBlocks() + " blocks" : "unbounded (" + unique + " distinct blocks)");
        if (o.ssd())
            out.printf("SSD tier: %s per node under %s%n", TextTable.bytes(o.ssdBytes()), o.ssdDir());
        out.flush();
        Replayer r = new Replayer(o, reqs);
        ProgressBar bar = terminal ? new ProgressBar(err, reqs.size()) : null;
        ReplaySummary s = r.run(bar == null ? null : done -> bar.update(done, ""));
        if (bar != null)
            bar.finish();
        s.print(out);
        if (a.flag("--json"))
            out.println(Json.write(s.toJson()));
        if (s.verifyFailures > 0 || s.loadErrors > 0) {
            err.println("kvgrid replay: " + s.verifyFailures + " blocks loaded with wrong bytes, " + s.loadErrors
                + " hit blocks failed to load");
            return 1;
        }
        return 0;
    }
}
