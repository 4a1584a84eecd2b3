package io.kvgrid;

/**
 * Opens a server node's lower tier (the SSD tier) when the node starts. Set it with
 * {@link KvGridConfiguration#setLowerTier(TierStoreFactory)}; evicted blocks then spill to that tier instead of being
 * dropped, and blocks read from it often enough come back into memory.
 *
 * <pre>{@code
 * config.setLowerTier(ctx -> SsdTier.open(Path.of("/nvme/kvgrid", ctx.nodeId()), 64L << 30, ctx));
 * }</pre>
 */
@FunctionalInterface
public interface TierStoreFactory {
    TierStore open(TierContext context);
}
