package io.kvgrid.examples;

import java.util.List;

/**
 * How long and how much {@code kvgrid bench} measures. Every loop stops at whichever bound it reaches first: an
 * operation count or a time.
 *
 * @param name            "full", "quick" or "tiny"
 * @param warmupMillis    time spent warming each row up before its first round (at most a quarter of its count)
 * @param measureMillis   time bound of each round
 * @param putBlocks64K    most 64 KiB blocks put per round (also the ids of the lookup)
 * @param putBlocks1M     most 1 MiB blocks put per round
 * @param readOps         most get or batchGet operations per round
 * @param memcpyBytes     size of each memcpy buffer (large, so copies come from memory, not cache)
 * @param nodeCounts      cluster sizes measured (1: nodes in this JVM; more: server JVMs of their own)
 * @param redis           also measure a local Redis when redis-server is on the PATH
 * @param ssdBlocks       1 MiB blocks the SSD tier bench spills and restores per round (and dd writes and reads)
 * @param ssdRounds       rounds of the SSD tier bench (medians are reported)
 * @param minRounds       rounds whose rates must agree before a row counts as stable (1: one round, no check)
 * @param maxRounds       most rounds of one row
 * @param rowCapMillis    time after which a row runs no further round, stable or not
 * @param tolerance       how far (a fraction of their median) the last {@code minRounds} rates may spread
 * @param fullRegionBytes block region of the 2 MiB put / put-full rows (put-full keeps it at its watermark)
 */
record BenchSettings(String name, long warmupMillis, long measureMillis, int putBlocks64K, int putBlocks1M,
                     int readOps, int memcpyBytes, List<Integer> nodeCounts, boolean redis, int ssdBlocks,
                     int ssdRounds, int minRounds, int maxRounds, long rowCapMillis, double tolerance,
                     long fullRegionBytes) {
    static final int BATCH = 64;
    static final int LOOKUP_IDS = 1_000;
    static final List<Integer> BLOCK_SIZES = List.of(64 << 10, 1 << 20);
    /** Block size of the put / put-full (eviction) rows. */
    static final int FULL_BLOCK = 2 << 20;

    /** Every row repeated until its last 3 rounds agree within 10%, at most 7 rounds or 12 s. */
    static BenchSettings full() {
        return new BenchSettings("full", 500, 1_000, 4_000, 400, 20_000, 256 << 20, List.of(1, 3), true, 1_024, 3,
            3, 7, 12_000, 0.10, 1L << 30);
    }

    /** A smoke run: one short round per row, a few minutes at most on a small machine; not for comparisons. */
    static BenchSettings quick() {
        return new BenchSettings("quick", 120, 300, 1_000, 96, 5_000, 64 << 20, List.of(1, 3), true, 256, 1,
            1, 1, 0, 0.10, 192L << 20);
    }

    /** A few operations of each kind, two rounds: checks the code paths and the output, not speed. */
    static BenchSettings tiny() {
        return new BenchSettings("tiny", 10, 60, 40, 6, 20, 4 << 20, List.of(1, 3), false, 16, 1,
            2, 2, 60_000, 0.10, 128L << 20);
    }

    int putBlocks(int blockBytes) {
        return blockBytes >= 1 << 20 ? putBlocks1M : putBlocks64K;
    }

    /** True for a smoke run (one round per row): its numbers show that the paths work, not how fast they are. */
    boolean smoke() {
        return maxRounds <= 1;
    }
}
