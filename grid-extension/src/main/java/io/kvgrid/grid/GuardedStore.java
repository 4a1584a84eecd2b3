package io.kvgrid.grid;

import java.util.function.Predicate;

/**
 * Leases and pins around a store: the tier inside may drop a block to make room only when the guard allows it
 * (in the grid: not leased, not hard-pinned; on the GPU: not pinned there).
 */
final class GuardedStore extends ForwardingStore {
    private final Predicate<String> mayDrop;

    GuardedStore(NodeStore inner, Predicate<String> mayDrop) {
        super(inner);
        this.mayDrop = mayDrop;
    }

    @Override
    public boolean mayDrop(String key) {
        return mayDrop.test(key) && inner.mayDrop(key);
    }
}
