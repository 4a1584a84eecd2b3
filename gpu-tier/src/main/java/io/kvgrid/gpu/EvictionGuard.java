package io.kvgrid.gpu;

/**
 * Says whether the GPU tier may drop a block to make room: false for blocks that are hard-pinned or under a read
 * lease. Called with the tier's lock held, so it must be quick and must not call back into the tier.
 *
 * <pre>{@code
 * Set<String> pinned = ConcurrentHashMap.newKeySet();
 * GpuTier gpu = GpuTier.open(CudaDeviceMemory.open(0), 8L << 30, key -> !pinned.contains(key));
 * }</pre>
 */
@FunctionalInterface
public interface EvictionGuard {
    /** Every block may be dropped. */
    EvictionGuard ALWAYS = key -> true;

    /** Whether the block of {@code key} may be dropped now. */
    boolean mayDrop(String key);
}
