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
 * @param ssdDir         parent directory of the nodes' SSD tiers, or null for none
 * @param ssdBytes       SSD tier capacity per node in bytes (0 without an SSD tier)
 * @param gpuBytes       GPU tier capacity per node in bytes (0 without a GPU tier)
 * @param gpuDevice      the GPU tier's device: cuda:N or host (the stand-in in host memory)
 */
record ReplayOptions(Path trace, int nodes, long capacityBlocks, int tokensPerBlock, int bytesPerToken,
                     int maxRequests, long seed, Path ssdDir, long ssdBytes, long gpuBytes, String gpuDevice) {
    /** Without a GPU tier. */
    ReplayOptions(Path trace, int nodes, long capacityBlocks, int tokensPerBlock, int bytesPerToken, int maxRequests,
                  long seed, Path ssdDir, long ssdBytes) {
        this(trace, nodes, capacityBlocks, tokensPerBlock, bytesPerToken, maxRequests, seed, ssdDir, ssdBytes, 0, null);
    }

    /** Without an SSD tier. */
    ReplayOptions(Path trace, int nodes, long capacityBlocks, int tokensPerBlock, int bytesPerToken, int maxRequests,
                  long seed) {
        this(trace, nodes, capacityBlocks, tokensPerBlock, bytesPerToken, maxRequests, seed, null, 0);
    }

    /** Requests the generator makes when no --max-requests is given. */
    static final int GENERATED_REQUESTS = 1_000;

    int blockBytes() {
        return tokensPerBlock * bytesPerToken;
    }

    boolean bounded() {
        return capacityBlocks > 0;
    }

    boolean ssd() {
        return ssdDir != null;
    }

    boolean gpu() {
        return gpuBytes > 0;
    }
}
