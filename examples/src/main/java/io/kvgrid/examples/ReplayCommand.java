package io.kvgrid.examples;

import io.kvgrid.gpu.GpuTierFactory;
import io.kvgrid.ssd.SsdTierConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kvgrid replay}: replays a Mooncake trace (or the built-in generator) against an embedded cluster. */
@Command(name = "replay", customSynopsis = {
    "kvgrid replay [--trace FILE] [--nodes N] [--capacity-blocks N] [--tokens-per-block T]",
    "                     [--bytes-per-token B] [--ssd-dir DIR --ssd-bytes N]",
    "                     [--gpu-bytes N [--gpu-device cuda:N|host]] [--max-requests N] [--seed S] [--json]"},
    description = {"replay a Mooncake KV-cache trace against an embedded cluster and report hit rates and latencies",
        "",
        "Replays a Mooncake-format JSONL trace (timestamp, input_length, output_length, hash_ids) against an embedded "
            + "kvgrid cluster: per request lookupOnPrefixLength, load of the hit prefix (bytes verified), dump of the "
            + "rest."})
final class ReplayCommand implements Callable<Integer> {
    private static final int MAX_BLOCK_BYTES = 256 << 20;

    @Option(names = "--trace", paramLabel = "FILE", converter = Flags.NonEmpty.class,
        description = "trace to replay (default: built-in multi-turn conversation generator)")
    String trace;
    @Option(names = "--nodes", paramLabel = "N", description = "embedded server nodes, 1 to 10 (default 1)")
    Long nodes;
    @Option(names = "--capacity-blocks", paramLabel = "N",
        description = "blocks the memory tier of the whole cluster holds (default: unbounded)")
    Long capacityBlocks;
    @Option(names = "--tokens-per-block", paramLabel = "T",
        description = "tokens per block, the trace's block size (default 512)")
    Long tokensPerBlock;
    @Option(names = "--bytes-per-token", paramLabel = "B",
        description = "KV bytes per token; blocks are T x B bytes (default 16)")
    Long bytesPerToken;
    @Option(names = "--ssd-dir", paramLabel = "DIR", converter = Flags.NonEmpty.class,
        description = "SSD tier behind the memory tier: evicted blocks spill there (each node uses DIR/<node id>; "
            + "with --ssd-bytes)")
    String ssdDir;
    @Option(names = "--ssd-bytes", paramLabel = "N", description = "SSD tier capacity per node in bytes")
    Long ssdBytes;
    @Option(names = "--gpu-bytes", paramLabel = "N",
        description = "puts a GPU tier of N bytes per node on top of the chain (tierHits.gpu counts its hits)")
    Long gpuBytes;
    @Option(names = "--gpu-device", paramLabel = "DEV", converter = Flags.NonEmpty.class,
        description = "the GPU tier's memory: cuda:N (default cuda:0; without CUDA the node runs without the tier) "
            + "or host (a stand-in in host memory)")
    String gpuDevice;
    @Option(names = "--max-requests", paramLabel = "N",
        description = "replay at most N requests (generator default 1000)")
    Long maxRequests;
    @Option(names = "--seed", paramLabel = "S", description = "seed of the built-in generator (default 1)")
    Long seed;
    @Option(names = "--json", description = "print the summary as one JSON object on the last line")
    boolean json;

    private final PrintStream out;
    private final PrintStream err;
    private final boolean terminal;

    ReplayCommand(PrintStream out, PrintStream err, boolean terminal) {
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    /** Validated options; every error is a {@link UsageException} naming the flag. */
    ReplayOptions options() {
        int n = Flags.intNumber("--nodes", nodes, 1, 1, 10);
        long capacity = Flags.number("--capacity-blocks", capacityBlocks, 0, 1, Long.MAX_VALUE);
        int t = Flags.intNumber("--tokens-per-block", tokensPerBlock, 512, 1, 1 << 20);
        int b = Flags.intNumber("--bytes-per-token", bytesPerToken, 16, 1, 1 << 30);
        if ((long) t * b > MAX_BLOCK_BYTES)
            throw new UsageException("--tokens-per-block x --bytes-per-token is " + (long) t * b
                + " bytes a block; at most " + MAX_BLOCK_BYTES);
        int max = Flags.intNumber("--max-requests", maxRequests, Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
        long s = Flags.number("--seed", seed, 1, Long.MIN_VALUE, Long.MAX_VALUE);
        long ssdCapacity = Flags.number("--ssd-bytes", ssdBytes, 0, 1, Long.MAX_VALUE);
        if ((ssdDir == null) != (ssdCapacity == 0))
            throw new UsageException("--ssd-dir and --ssd-bytes go together");
        Path ssd = null;
        if (ssdDir != null) {
            ssd = Path.of(ssdDir);
            if (Files.exists(ssd) && !Files.isDirectory(ssd))
                throw new UsageException("--ssd-dir: " + ssdDir + " is not a directory");
            if (ssdCapacity < SsdTierConfig.MIN_CAPACITY_BYTES)
                throw new UsageException("--ssd-bytes must be at least " + SsdTierConfig.MIN_CAPACITY_BYTES
                    + " (64 KiB), was " + ssdCapacity);
            if (ssdCapacity < (long) t * b)
                throw new UsageException("--ssd-bytes " + ssdCapacity + " does not hold one block of " + (long) t * b
                    + " bytes");
        }
        long gpuCapacity = Flags.number("--gpu-bytes", gpuBytes, 0, 1, Long.MAX_VALUE);
        if (gpuDevice != null && gpuCapacity == 0)
            throw new UsageException("--gpu-device needs --gpu-bytes");
        String device = gpuDevice == null ? "cuda:0" : gpuDevice;
        if (gpuCapacity > 0) {
            try {
                new GpuTierFactory().setDevice(device).setCapacityBytes(gpuCapacity);
            } catch (io.kvgrid.KvGridException e) {
                throw new UsageException((e.argument().equals("device") ? "--gpu-device: " : "--gpu-bytes: ")
                    + e.getMessage());
            }
            if (device.equals("none"))
                throw new UsageException("--gpu-device must be cuda:N or host (leave --gpu-bytes out for no GPU tier)");
        }
        Path file = null;
        if (trace != null) {
            file = Path.of(trace);
            if (!Files.isRegularFile(file))
                throw new UsageException("--trace: no such file " + trace);
            if (seed != null)
                throw new UsageException("--seed only applies to the built-in generator, not to --trace");
        }
        return new ReplayOptions(file, n, capacity, t, b, max, s, ssd, ssdCapacity, gpuCapacity,
            gpuCapacity > 0 ? device : null);
    }

    static List<TraceRequest> requests(ReplayOptions o) throws IOException {
        if (o.trace() != null)
            return TraceReader.read(o.trace(), o.maxRequests());
        int n = o.maxRequests() == Integer.MAX_VALUE ? ReplayOptions.GENERATED_REQUESTS : o.maxRequests();
        return new ConversationGenerator(o.seed(), o.tokensPerBlock()).generate(n);
    }

    @Override
    public Integer call() throws IOException {
        ReplayOptions o = options();
        List<TraceRequest> reqs = requests(o);
        if (reqs.isEmpty())
            throw new UsageException("--trace: " + o.trace() + " holds no requests");
        long unique = Replayer.uniqueBlocks(reqs);
        out.printf("replaying %d requests from %s on %d node%s: blocks of %d tokens x %d B = %s, memory tier %s%n",
            reqs.size(), o.trace() == null ? "the built-in conversation generator" : o.trace(), o.nodes(),
            o.nodes() == 1 ? "" : "s", o.tokensPerBlock(), o.bytesPerToken(), TextTable.bytes(o.blockBytes()),
            o.bounded() ? "of " + o.capacityBlocks() + " blocks" : "unbounded (" + unique + " distinct blocks)");
        if (o.gpu())
            out.printf("GPU tier: %s per node on %s%n", TextTable.bytes(o.gpuBytes()), o.gpuDevice());
        if (o.ssd())
            out.printf("SSD tier: %s per node under %s%n", TextTable.bytes(o.ssdBytes()), o.ssdDir());
        out.flush();
        Replayer r = new Replayer(o, reqs);
        ProgressBar bar = terminal ? new ProgressBar(err, reqs.size()) : null;
        ReplaySummary s = r.run(bar == null ? null : done -> bar.update(done, ""));
        if (bar != null)
            bar.finish();
        s.print(out);
        if (json)
            out.println(Json.write(s.toJson()));
        if (s.verifyFailures > 0 || s.loadErrors > 0) {
            err.println("kvgrid replay: " + s.verifyFailures + " blocks loaded with wrong bytes, " + s.loadErrors
                + " hit blocks failed to load");
            return 1;
        }
        return 0;
    }
}
