package io.kvgrid.examples;

import java.nio.file.Path;

/**
 * Settings of one replay.
 *
 * @param trace          Mooncake JSONL file, or null for the built-in conversation generator
 * @param nodes          embedded server nodes
 * @param capacityBlocks blocks the memory tier of the whole cluster holds, or 0 for unbounded
 * @param tokensPerBlock tokens per KV block (the trace's block size)
 * @param bytesPerToken  KV bytes per token; a block is tokensPerBlock x bytesPerToken bytes
 * @param maxRequests    replay at most this many requests
 * @param seed           seed of the built-in generator
 */
record ReplayOptions(Path trace, int nodes, long capacityBlocks, int tokensPerBlock, int bytesPerToken,
                     int maxRequests, long seed) {
    /** Requests the generator makes when no --max-requests is given. */
    static final int GENERATED_REQUESTS = 1_000;

    int blockBytes() {
        return tokensPerBlock * bytesPerToken;
    }

    boolean bounded() {
        return capacityBlocks > 0;
    }
}
