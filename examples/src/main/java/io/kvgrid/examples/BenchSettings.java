package io.kvgrid.examples;

import java.util.List;

/**
 * How long and how much {@code kvgrid bench} measures. Every loop stops at whichever bound it reaches first: an
 * operation count or a time.
 *
 * @param name           "full", "quick" or "tiny"
 * @param warmupMillis   time spent warming each measurement up (at most a quarter of its operation count)
 * @param measureMillis  time bound of each measurement
 * @param putBlocks64K   most 64 KiB blocks put (also the ids of the lookup)
 * @param putBlocks1M    most 1 MiB blocks put
 * @param readOps        most get or batchGet operations
 * @param memcpyBytes    size of each memcpy buffer (large, so copies come from memory, not cache)
 * @param nodeCounts     cluster sizes measured
 * @param redis          also measure a local Redis when redis-server is on the PATH
 * @param ssdBlocks      1 MiB blocks the SSD tier bench spills and restores per round (and dd writes and reads)
 * @param ssdRounds      rounds of the SSD tier bench (medians are reported)
 * @param rounds         rounds of the store measurements (each row reports its faster round)
 */
record BenchSettings(String name, long warmupMillis, long measureMillis, int putBlocks64K, int putBlocks1M,
                     int readOps, int memcpyBytes, List<Integer> nodeCounts, boolean redis, int ssdBlocks,
                     int ssdRounds, int rounds) {
    static final int BATCH = 64;
    static final int LOOKUP_IDS = 1_000;
    static final List<Integer> BLOCK_SIZES = List.of(64 << 10, 1 << 20);

    static BenchSettings full() {
        return new BenchSettings("full", 1_000, 3_000, 4_000, 400, 20_000, 256 << 20, List.of(1, 3), true, 1_024, 3, 2);
    }

    /** Under a minute on a small machine. */
    static BenchSettings quick() {
        return new BenchSettings("quick", 120, 400, 1_000, 96, 5_000, 64 << 20, List.of(1, 3), true, 256, 1, 1);
    }

    /** A few operations of each kind: checks the code path and the output, not speed. */
    static BenchSettings tiny() {
        return new BenchSettings("tiny", 10, 60, 40, 6, 20, 4 << 20, List.of(1, 3), false, 16, 1, 1);
    }

    int putBlocks(int blockBytes) {
        return blockBytes >= 1 << 20 ? putBlocks1M : putBlocks64K;
    }
}
