package io.kvgrid.examples;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured line of {@code kvgrid bench}.
 *
 * @param system     memcpy, ignite-baseline, kvgrid or redis
 * @param op         put, get, batchGet, lookupOnPrefix, arraycopy, bytebuffer
 * @param blockBytes bytes per block (0 for lookups, which move no payload)
 * @param nodes      server nodes (1 for memcpy and Redis)
 * @param gbPerSec   payload GB/s (10^9 bytes), or null for lookups
 * @param p50Ms      median latency of one operation
 * @param opsPerSec  operations per second
 */
record BenchRow(String system, String op, int blockBytes, int nodes, Double gbPerSec, double p50Ms,
                double opsPerSec) {
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system);
        m.put("op", op);
        m.put("blockBytes", blockBytes);
        m.put("nodes", nodes);
        m.put("gbPerSec", gbPerSec);
        m.put("p50Ms", p50Ms);
        m.put("opsPerSec", opsPerSec);
        return m;
    }
}
