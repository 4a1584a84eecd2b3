package io.kvgrid.grid;

import io.kvgrid.KeyResult;
import io.kvgrid.PutResult;
import org.apache.ignite.cache.affinity.Affinity;
import org.apache.ignite.IgniteCluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A client node's reads and writes of whole blocks and lookups, each key sent to its record's primary over that
 * node's block channel ({@link BlockChannelClient}). The primary holds the record and, kvgrid's affinity keeping them
 * in one partition, the payload, so it runs the whole read locally: one round trip instead of a record read and a payload
 * read through Ignite; a lookup's records are read and leased there too, without Ignite marshalling them to the
 * client. Keys no channel answered take Ignite's path ({@code fallback}).
 */
final class ChannelRoutes implements AutoCloseable {
    private final BlockChannelClient channel;
    private final IgniteCluster cluster;
    private final Affinity<String> affinity;
    private volatile long prunedAt = -1;
    /**
     * Channels of the nodes read from, by node id, built once per topology version instead of per read (a node's
     * addresses and port do not change while it is in the cluster).
     */
    private final Map<UUID, BlockChannelClient.Peer> peers = new ConcurrentHashMap<>();

    ChannelRoutes(BlockChannelClient channel, IgniteCluster cluster, Affinity<String> affinity) {
        this.channel = channel;
        this.cluster = cluster;
        this.affinity = affinity;
    }

    List<KeyResult<byte[]>> read(List<String> keys, Function<List<String>, List<KeyResult<byte[]>>> fallback) {
        prune();
        List<String> rest = new ArrayList<>();
        Map<BlockChannelClient.Peer, List<String>> byNode = byPrimary(keys, rest);
        if (byNode == null)
            return fallback.apply(keys);
        return BlockChannelClient.answers(keys, channel.read(byNode, rest), rest, fallback);
    }

    /**
     * Each id found (and leased) or not, in order: asked of its record's primary over its channel; ids no channel
     * answered are looked up through {@code fallback}.
     */
    boolean[] lookup(List<String> ids, Function<List<String>, boolean[]> fallback) {
        prune();
        List<String> rest = new ArrayList<>();
        Map<BlockChannelClient.Peer, List<String>> byNode = byPrimary(ids, rest);
        if (byNode == null)
            return fallback.apply(ids);
        return BlockChannelClient.found(ids, channel.lookup(byNode, rest), rest, fallback);
    }

    /**
     * Each key's write result in order: the block written by its record's primary, sent there over its channel with
     * its payload (that node reserves room, writes every copy and installs the record as a write of its own; its
     * payload copy is then a local one); keys no channel answered are written through {@code fallback}. Keys must be
     * distinct ({@code payloads} by key).
     */
    List<KeyResult<PutResult>> write(List<String> keys, Map<String, byte[]> payloads, BlockChannelWire.PutHeader header,
                                     Function<List<String>, List<KeyResult<PutResult>>> fallback) {
        prune();
        List<String> rest = new ArrayList<>();
        Map<BlockChannelClient.Peer, List<String>> byNode = byPrimary(keys, rest);
        if (byNode == null)
            return fallback.apply(keys);
        return BlockChannelClient.answers(keys, channel.write(byNode, payloads, header, rest), PutResult.class, rest,
            fallback);
    }

    private void prune() {
        long v = cluster.topologyVersion();
        if (v != prunedAt) { // once per topology version: the connections of nodes that left are closed
            prunedAt = v;
            channel.retain(id -> cluster.node(id) != null);
            peers.clear();
        }
    }

    /**
     * Keys by the channel of their record's primary (keys of a primary without one go to {@code rest}); null when
     * affinity cannot say now (topology changing).
     */
    private Map<BlockChannelClient.Peer, List<String>> byPrimary(List<String> keys, List<String> rest) {
        Map<BlockChannelClient.Peer, List<String>> byNode = new LinkedHashMap<>();
        try {
            affinity.mapKeysToNodes(new LinkedHashSet<>(keys)).forEach((n, ks) -> {
                BlockChannelClient.Peer p = peers.computeIfAbsent(n.id(), id -> BlockChannelClient.peer(n));
                if (p == null)
                    rest.addAll(ks);
                else
                    byNode.put(p, new ArrayList<>(ks));
            });
        } catch (RuntimeException e) {
            return null;
        }
        return byNode;
    }

    @Override
    public void close() {
        channel.close();
    }
}
