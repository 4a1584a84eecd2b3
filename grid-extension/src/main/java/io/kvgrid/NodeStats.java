package io.kvgrid;

/**
 * Counters of one node's share of the store (primary and backup copies in its block region).
 *
 * <pre>{@code
 * NodeStats s = store.localStats();
 * double fill = (double) s.bytesUsed() / s.capacityBytes();
 * }</pre>
 *
 * @param blocks        block copies held in memory on this node
 * @param bytesUsed     bytes of the node's block data region in use
 * @param capacityBytes bytes of the block data region that blocks may fill (Ignite keeps the rest for itself)
 * @param evictions     blocks this node evicted
 * @param evictedBytes  payload bytes this node evicted
 * @param leased        blocks under a read lease now (primary copies)
 * @param pinned        soft- or hard-pinned blocks (primary copies)
 */
public record NodeStats(long blocks, long bytesUsed, long capacityBytes, long evictions, long evictedBytes,
                        long leased, long pinned) {
}
