package io.kvgrid;

/**
 * What kvgrid tells a lower tier about the node it serves, and how the tier tells kvgrid what it dropped.
 *
 * <pre>{@code
 * TierStore open(TierContext ctx) {
 *     return new MyTier(dir.resolve(ctx.nodeId()), key -> ctx.mayDrop(key), ctx::dropped);
 * }
 * }</pre>
 */
public interface TierContext {
    /** Stable id of the node (its Ignite consistent id), usable as a directory name. */
    String nodeId();

    /** False while the block is leased or hard-pinned: the tier must not drop it to make room. */
    boolean mayDrop(String key);

    /** The tier dropped its copy of {@code key} (capacity or a failed checksum); kvgrid updates the metadata. */
    void dropped(String key);
}
