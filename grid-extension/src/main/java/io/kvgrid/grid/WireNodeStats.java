package io.kvgrid.grid;

import java.util.UUID;

/**
 * One server node's counters as a thin client sees them: {@code NodeStats} plus identity, thin-client endpoint, the
 * SSD tier's use and the eviction watermark. Internal wire type.
 */
public final class WireNodeStats {
    public UUID nodeId;
    public String consistentId;
    public String endpoint;
    public long blocks;
    public long bytesUsed;
    public long capacityBytes;
    public double highWatermark;
    public long evictions;
    public long evictedBytes;
    public long leased;
    public long pinned;
    /** Blocks and bytes held by the node's lower (SSD) tier; -1 when it has none. */
    public long lowerTierBlocks = -1;
    public long lowerTierBytes = -1;
    public long lowerTierCapacityBytes = -1;
    /** Payload requests this node served for keys whose partition it is not the primary of (a relay). */
    public long relayedPayloadRequests;
    /** Partitions of block copies waiting for room on this node; partitions it received after reserving room. */
    public long copiesWaiting;
    public long copiesRestored;
}
