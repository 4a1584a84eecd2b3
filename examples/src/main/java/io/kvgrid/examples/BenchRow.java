package io.kvgrid.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured line of {@code kvgrid bench}.
 *
 * @param system     memcpy, loopback-tcp, ignite-baseline, kvgrid, kvgrid-thin, kvgrid-thin-tls, redis, cuda (raw
 *                   cuMemcpy from pinned host memory) or kvgrid-gpu (the GPU tier)
 * @param op         put, put-full, get, batchGet, lookupOnPrefix, arraycopy, bytebuffer, stream, pipelinedGet, h2d,
 *                   d2h, load-gpu or load-memory (64 blocks into device buffers)
 * @param blockBytes bytes per block (0 for lookups, which move no payload)
 * @param nodes      server nodes (1 for memcpy and Redis)
 * @param gbPerSec   payload GB/s (10^9 bytes), or null for lookups
 * @param p50Ms      median latency of one operation (of the reported round)
 * @param opsPerSec  operations per second
 * @param p99Ms      99th percentile latency of one operation (of the reported round)
 * @param processes  true when the server nodes run in JVMs (or processes) of their own, apart from the client
 * @param threads    client threads issuing operations
 * @param copies     copies of each block the store keeps (1 where there is no replication)
 * @param rounds     rounds measured; the row reports the median round
 * @param stable     true when the last rounds agreed within the tolerance (false: the time cap ended the row first,
 *                   or a quick run measured one round)
 */
record BenchRow(String system, String op, int blockBytes, int nodes, Double gbPerSec, double p50Ms,
                double opsPerSec, double p99Ms, boolean processes, int threads, int copies, int rounds,
                boolean stable) {
    /** A single-round row in this JVM, one thread, one copy. */
    BenchRow(String system, String op, int blockBytes, int nodes, Double gbPerSec, double p50Ms, double opsPerSec) {
        this(system, op, blockBytes, nodes, gbPerSec, p50Ms, opsPerSec, p50Ms, false, 1, 1, 1, false);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system);
        m.put("op", op);
        m.put("blockBytes", blockBytes);
        m.put("nodes", nodes);
        m.put("gbPerSec", gbPerSec);
        m.put("p50Ms", p50Ms);
        m.put("p99Ms", p99Ms);
        m.put("opsPerSec", opsPerSec);
        m.put("processes", processes);
        m.put("threads", threads);
        m.put("copies", copies);
        m.put("rounds", rounds);
        m.put("stable", stable);
        return m;
    }
}
