package io.kvgrid;

/**
 * Where the bytes of a block live. A block may be in several tiers at once (say, pinned in GPU memory and
 * spilled to SSD); {@link BlockMeta#tiers()} lists them fastest first.
 *
 * <pre>{@code
 * if (store.query("blk-1").get().tiers().contains(Tier.SSD)) warmUp("blk-1");
 * }</pre>
 */
public enum Tier {
    /** Device memory of a GPU on the node (gpu-tier). */
    GPU,
    /** Off-heap host memory of the Ignite grid (grid tier). */
    MEMORY,
    /** Local SSD of a node (ssd-tier). */
    SSD;

    /** Bit of this tier in the {@code tiers} field of the stored metadata record. */
    public int bit() {
        return 1 << ordinal();
    }
}
