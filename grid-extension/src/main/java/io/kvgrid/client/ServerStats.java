package io.kvgrid.client;

import io.kvgrid.NodeStats;

/**
 * One server node's counters as {@link KvGridClient#serverStats()} reports them.
 *
 * <pre>{@code
 * for (ServerStats s : client.serverStats())
 *     System.out.printf("%s %d blocks, %.0f%% of its region%n", s.consistentId(), s.stats().blocks(),
 *         100.0 * s.stats().bytesUsed() / s.stats().capacityBytes());
 * }</pre>
 *
 * @param consistentId           the node's consistent id
 * @param endpoint               its thin-client endpoints ({@code host:port}, comma-separated)
 * @param stats                  blocks, region use, evictions, leases and pins of the memory tier
 * @param highWatermark          fill of the block region above which the node evicts
 * @param lowerTierBlocks        blocks in the node's SSD tier, or -1 without one
 * @param lowerTierBytes         bytes the SSD tier uses, or -1
 * @param lowerTierCapacityBytes bytes the SSD tier may use, or -1
 * @param relayedRequests        payload requests the node served for keys it is not the primary of
 * @param copiesWaiting          partitions of block copies assigned to the node (after a node was lost, or on
 *                               joining) that wait for room in its region; their blocks keep fewer copies meanwhile
 * @param copiesRestored         partitions of block copies the node received once it had made room for them
 */
public record ServerStats(String consistentId, String endpoint, NodeStats stats, double highWatermark,
                          long lowerTierBlocks, long lowerTierBytes, long lowerTierCapacityBytes,
                          long relayedRequests, long copiesWaiting, long copiesRestored) {
}
