package io.kvgrid.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Test helpers: the shared Mooncake trace, the hit rates a plain HashSet predicts, running the CLI in-process. */
final class Traces {
    private Traces() {
    }

    /** ../shared/traces/conversation_trace.jsonl; skips the test when the shared directory is absent. */
    static Path conversationTrace() {
        String dir = System.getProperty("kvgrid.shared.dir");
        assumeTrue(dir != null, "kvgrid.shared.dir is not set");
        Path p = Path.of(dir, "traces", "conversation_trace.jsonl");
        assumeTrue(Files.isRegularFile(p), "no shared trace at " + p);
        return p;
    }

    /** Prefix hits of an unbounded cache, computed independently of kvgrid: a set of every block seen so far. */
    record Expected(long blocks, long hitBlocks, long inputTokens, long hitTokens, long uniqueBlocks) {
        double blockHitRate() {
            return (double) hitBlocks / blocks;
        }

        double tokenHitRate() {
            return (double) hitTokens / inputTokens;
        }
    }

    static Expected unbounded(List<TraceRequest> requests, int tokensPerBlock) {
        Set<Long> seen = new HashSet<>();
        long blocks = 0, hits = 0, tokens = 0, hitTokens = 0;
        for (TraceRequest r : requests) {
            long[] ids = r.hashIds();
            int h = 0;
            while (h < ids.length && seen.contains(ids[h]))
                h++;
            blocks += ids.length;
            hits += h;
            tokens += r.inputLength();
            hitTokens += Math.min((long) h * tokensPerBlock, r.inputLength());
            for (long id : ids)
                seen.add(id);
        }
        return new Expected(blocks, hits, tokens, hitTokens, seen.size());
    }

    /** Exit status, stdout and stderr of one in-process command line. */
    record Run(int code, String out, String err) {
        /** The JSON object on the last line of stdout. */
        @SuppressWarnings("unchecked")
        Map<String, Object> json() {
            String[] lines = out.strip().split("\n");
            return (Map<String, Object>) Json.parse(lines[lines.length - 1]);
        }
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = KvGridCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
