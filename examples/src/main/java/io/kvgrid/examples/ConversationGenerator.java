package io.kvgrid.examples;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A synthetic multi-turn chat workload in Mooncake's trace format, so {@code kvgrid replay} runs without a trace file.
 *
 * <p>Conversations arrive as a Poisson process. Each starts from one of a few shared system prompts (the most common
 * one used by most conversations, as in the Mooncake trace where block 0 is everywhere), and every turn's input is the
 * previous input plus the previous answer plus a new user message. Block ids are chained prefix hashes: a full block
 * inside a system prompt is shared by every conversation with that prompt, a full block of a conversation is reused
 * by its later turns, and a partial last block is unique to its turn (its content changes as the chat grows).
 */
final class ConversationGenerator {
    private static final int[] SYSTEM_PROMPT_TOKENS = {1536, 3000, 700, 5200};
    private static final double[] SYSTEM_PROMPT_SHARE = {0.6, 0.2, 0.12, 0.08};

    private final SplittableRandom rnd;
    private final int tokensPerBlock;
    private final Map<String, Long> ids = new HashMap<>();

    ConversationGenerator(long seed, int tokensPerBlock) {
        this.rnd = new SplittableRandom(seed);
        this.tokensPerBlock = tokensPerBlock;
    }

    /** The first {@code count} requests by arrival time. */
    List<TraceRequest> generate(int count) {
        List<TraceRequest> all = new ArrayList<>();
        double arrival = 0;
        int conversation = 0;
        double cutoff = Double.MAX_VALUE;
        // Later conversations only add later requests: stop once a new one starts after the count-th request so far.
        while (arrival <= cutoff) {
            conversation(conversation++, (long) arrival, all);
            arrival += -Math.log(1 - rnd.nextDouble()) * 400;   // mean 0.4 s between new conversations
            if (all.size() >= count) {
                all.sort(Comparator.comparingLong(TraceRequest::timestampMs));
                cutoff = all.get(count - 1).timestampMs();
            }
        }
        all.sort(Comparator.comparingLong(TraceRequest::timestampMs));
        return new ArrayList<>(all.subList(0, count));
    }

    private void conversation(int c, long start, List<TraceRequest> out) {
        int prompt = pick(SYSTEM_PROMPT_SHARE);
        int system = SYSTEM_PROMPT_TOKENS[prompt];
        int turns = 1 + (int) Math.min(11, -Math.log(1 - rnd.nextDouble()) * 2.5);
        long t = start;
        int context = system + 200 + rnd.nextInt(3800);
        for (int turn = 0; turn < turns; turn++) {
            int answer = 30 + rnd.nextInt(770);
            out.add(new TraceRequest(t, context, answer, blocks(prompt, system, c, context)));
            context += answer + 20 + rnd.nextInt(1500);
            t += 5_000 + rnd.nextInt(55_000);   // the user reads and types
        }
    }

    private long[] blocks(int prompt, int system, int c, int tokens) {
        int n = (tokens + tokensPerBlock - 1) / tokensPerBlock;
        long[] out = new long[n];
        for (int j = 0; j < n; j++) {
            long end = (long) (j + 1) * tokensPerBlock;
            String key;
            if (end <= system)
                key = "s" + prompt + "/" + j;
            else if (end <= tokens)
                key = "c" + c + "/" + j;
            else
                key = "c" + c + "/" + j + "/" + tokens;
            out[j] = ids.computeIfAbsent(key, k -> (long) ids.size());
        }
        return out;
    }

    private int pick(double[] shares) {
        double x = rnd.nextDouble();
        for (int i = 0; i < shares.length - 1; i++) {
            if (x < shares[i])
                return i;
            x -= shares[i];
        }
        return shares.length - 1;
    }
}
