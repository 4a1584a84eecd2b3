package io.kvgrid.grid;

import io.kvgrid.KvGridNode;

/**
 * Test access to a node's {@link SpaceGovernor}: runs an eviction pass at a chosen moment of an injected clock, so a
 * test decides exactly when blocks spill instead of waiting for the watermark monitor.
 */
public final class Governors {
    private Governors() {
    }

    /** Evicts every eligible block of {@code node} as if the clock read {@code nowMillis}; returns pages freed. */
    public static long evictAll(KvGridNode node, long nowMillis) {
        SpaceGovernor g = KvGridRuntime.governor(node.ignite());
        if (g == null)
            throw new IllegalStateException("no space governor on " + node.ignite().name());
        return g.evict(Long.MAX_VALUE, nowMillis);
    }
}
