package io.kvgrid.grid;

import java.util.List;

/**
 * kvgrid's operations as an Ignite service, deployed on every server node by the plugin: what {@code KvGridClient}
 * calls over Ignite's thin-client protocol. Each call runs on the node the client sent it to, with that node's rights,
 * through the node's {@code BlockStore}; arrays of keys are batches. Errors come back inside {@link WireReply}
 * (typed, per key), never as exceptions. Internal: use {@code io.kvgrid.client.KvGridClient}.
 */
public interface KvGridService {
    /** The service name. */
    String NAME = "kvgrid";

    /** Partition owners and the thin-client endpoints of the server nodes, and the settings a client needs. */
    WireTopology topology();

    /**
     * Write-once puts (or upserts); per key: {@code flags} = existed, {@code numbers} = replicas. {@code writeId}
     * (or null) names the client's put call, sent before over a block channel ({@code WriteIds}).
     */
    WireReply put(String[] keys, List<byte[]> values, boolean upsert, int replicas, long softPinMillis,
                  boolean hardPin, String preferredNode, String writeId);

    /** Payloads; per key: {@code payloads}; the reply with its payloads apart ({@link WireReply#payloadsApart}). */
    Object[] get(String[] keys);

    /** Shard {@code shardIndex[i]} of block {@code keys[i]}; per key: {@code payloads}; payloads apart, as get. */
    Object[] getShards(String[] keys, int[] shardIndex);

    /** Stores shards (UCM dump); errors for the whole call. */
    WireReply dumpShards(String[] keys, int[] shardIndex, List<byte[]> shards);

    /** Presence, with read leases on hits; per key: {@code flags}. */
    WireReply lookup(String[] keys);

    /** Metadata; per key: {@code metas} (null entry when absent). */
    WireReply query(String[] keys);

    /** Keys matching a regex: {@code strings}. */
    WireReply listKeys(String regex);

    /** Removes blocks; per key: ok or the key's error. */
    WireReply remove(String[] keys, boolean force);

    /** Removes matching blocks: {@code numbers} = {removed, skipped}. */
    WireReply removeByRegex(String regex, boolean force);

    /** Warms blocks; never fails for missing keys. */
    WireReply prefetch(String[] keys);

    /** This node's counters. */
    WireNodeStats nodeStats();
}
