package io.kvgrid.ssd;

/**
 * Decides whether the SSD tier may drop one of its blocks to make room for another. The grid passes a guard that
 * refuses blocks under a read lease or hard-pinned; the default guard allows every drop.
 * <p>
 * It is called while the tier holds its internal lock, so it must be quick and must not call back into the
 * {@link SsdTier} that asked.
 *
 * <pre>{@code
 * Set<String> leased = ConcurrentHashMap.newKeySet();
 * SsdTier ssd = SsdTier.open(new SsdTierConfig()
 *         .setDirectory(Path.of("/mnt/nvme0/kvgrid"))
 *         .setCapacityBytes(64L << 30)
 *         .setDropGuard(key -> !leased.contains(key)));
 * }</pre>
 */
@FunctionalInterface
public interface DropGuard {
    /** The guard that lets the tier drop any block. */
    DropGuard ALLOW_ALL = key -> true;

    /** @return true when the tier may drop its copy of {@code key} to make room */
    boolean mayDrop(String key);
}
