package io.kvgrid;

/**
 * Opens one of a server node's tiers (the SSD tier, the GPU tier, a tier of your own) when the node starts. List it in
 * {@link KvGridConfiguration#setTiers}: after {@code memory}, evicted blocks go down into it instead of being
 * dropped and come back into memory when read often enough; before {@code memory}, it holds copies of the node's
 * hottest blocks.
 *
 * <pre>{@code
 * config.setTiers(List.of(KvGridConfiguration.MEMORY,
 *         ctx -> MyTier.open(Path.of("/nvme/kvgrid", ctx.nodeId()), 64L << 30, ctx)));
 * }</pre>
 */
@FunctionalInterface
public interface TierStoreFactory {
    /** The tier for this node, or {@code null} when it cannot run here (say why in the log): the node runs without. */
    TierStore open(TierContext context);
}
