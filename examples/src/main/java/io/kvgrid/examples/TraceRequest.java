package io.kvgrid.examples;

/**
 * One request of a Mooncake-format trace.
 *
 * @param timestampMs  arrival time in ms, relative to the trace start
 * @param inputLength  prompt tokens
 * @param outputLength generated tokens
 * @param hashIds      chained prefix block hashes, one per block of the input; equal ids are reusable blocks
 */
record TraceRequest(long timestampMs, int inputLength, int outputLength, long[] hashIds) {
    /** Input tokens served from the cache when the first {@code hitBlocks} blocks are hits. */
    long hitTokens(int hitBlocks, int tokensPerBlock) {
        return Math.min((long) hitBlocks * tokensPerBlock, inputLength);
    }
}
