package io.kvgrid.grid;

import java.util.List;
import java.util.UUID;

/**
 * What a thin client needs to send each key's request to a node that holds it: the partition count (kvgrid's affinity
 * maps a key to its partition the same way everywhere), the primary node of every partition, each server node's
 * thin-client endpoints, and the store settings that client-side checks use. Internal wire type.
 */
public final class WireTopology {
    public long version;
    public int partitions;
    /** Per partition: index into {@link #nodeIds} of its primary node, or -1. */
    public int[] primary;
    public UUID[] nodeIds;
    public String[] consistentIds;
    /** Per node: its thin-client endpoints, {@code host:port} separated by commas. */
    public String[] endpoints;
    /** Per node: the port of its block channel ({@link BlockChannelServer}) on the hosts of its endpoints, or -1. */
    public int[] channelPorts;
    public int shardsPerBlock;
    public int maxBlockBytes;
    public int maxReplicas;

    public List<String> endpointsOf(int node) {
        return endpoints[node] == null || endpoints[node].isEmpty() ? List.of() : List.of(endpoints[node].split(","));
    }
}
