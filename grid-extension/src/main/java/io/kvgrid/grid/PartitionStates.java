package io.kvgrid.grid;

import org.apache.ignite.IgniteCache;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.IgniteCacheProxy;
import org.apache.ignite.internal.processors.cache.distributed.dht.preloader.GridDhtPartitionMap;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtLocalPartition;
import org.apache.ignite.internal.processors.cache.distributed.dht.topology.GridDhtPartitionState;

import java.util.Set;
import java.util.TreeSet;

/**
 * The states of a cache's partitions on this node, which Ignite's public API does not expose: a partition assigned
 * here that has not received its data yet is MOVING.
 */
final class PartitionStates {
    private PartitionStates() {
    }

    /** Partitions of {@code cache} assigned to this node and still waiting for their data. */
    static Set<Integer> moving(IgniteCache<?, ?> cache) {
        return inState(cache, GridDhtPartitionState.MOVING);
    }

    /** MOVING partitions of {@code cache} on every server node, as this node last heard. */
    static int movingAnywhere(IgniteCache<?, ?> cache) {
        GridCacheContext<?, ?> cctx = cache.unwrap(IgniteCacheProxy.class).context();
        int n = 0;
        for (GridDhtPartitionMap m : cctx.topology().partitionMap(false).values())
            for (GridDhtPartitionState s : m.map().values())
                if (s == GridDhtPartitionState.MOVING)
                    n++;
        return n;
    }

    private static Set<Integer> inState(IgniteCache<?, ?> cache, GridDhtPartitionState state) {
        GridCacheContext<?, ?> cctx = cache.unwrap(IgniteCacheProxy.class).context();
        Set<Integer> out = new TreeSet<>();
        for (GridDhtLocalPartition p : cctx.topology().localPartitions())
            if (p.state() == state)
                out.add(p.id());
        return out;
    }
}
