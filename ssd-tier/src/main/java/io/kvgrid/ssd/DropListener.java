package io.kvgrid.ssd;

/**
 * Told when the SSD tier drops a block on its own: to make room ({@link DropReason#CAPACITY}) or because its
 * stored bytes failed their checksum ({@link DropReason#CORRUPT}). Not called for {@link SsdTier#remove(String)}.
 * The grid uses it to clear the SSD bit of the block's metadata, so metadata never claims a copy that is gone.
 * <p>
 * It is called after the copy is gone from the index, outside the tier's lock, on the thread whose operation caused
 * the drop (a {@code put}, a {@code read}, or {@code open} when recovery discards a damaged entry).
 *
 * <pre>{@code
 * SsdTier ssd = SsdTier.open(new SsdTierConfig()
 *         .setDirectory(dir)
 *         .setCapacityBytes(8L << 30)
 *         .setDropListener((key, reason) -> meta.clearTier(key, Tier.SSD)));
 * }</pre>
 */
@FunctionalInterface
public interface DropListener {
    /** The listener that ignores drops. */
    DropListener NONE = (key, reason) -> {
    };

    /** Called once per dropped copy of {@code key}. */
    void dropped(String key, DropReason reason);
}
