package io.kvgrid.grid;

import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import org.apache.ignite.cache.affinity.Affinity;
import org.apache.ignite.cluster.ClusterNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A client node's reads of whole blocks, each key sent to its record's primary over that node's block channel
 * ({@link BlockChannelClient}). The primary holds the record and, kvgrid's affinity keeping them in one partition, the
 * payload, so it runs the whole read locally: one round trip instead of a record read and a payload read through
 * Ignite. Keys no channel answered take Ignite's path ({@code fallback}).
 */
final class ChannelRoutes implements AutoCloseable {
    private final BlockChannelClient channel;
    private final Affinity<String> affinity;

    ChannelRoutes(BlockChannelClient channel, Affinity<String> affinity) {
        this.channel = channel;
        this.affinity = affinity;
    }

    List<KeyResult<byte[]>> read(List<String> keys, Function<List<String>, List<KeyResult<byte[]>>> fallback) {
        Map<ClusterNode, List<String>> byNode = byPrimary(keys);
        if (byNode == null)
            return fallback.apply(keys);
        List<String> rest = new ArrayList<>();
        return results(keys, channel.read(byNode, rest), rest, fallback);
    }

    /** Keys by the primary node of their record; null when affinity cannot say now (topology changing). */
    private Map<ClusterNode, List<String>> byPrimary(List<String> keys) {
        Map<ClusterNode, List<String>> byNode = new LinkedHashMap<>();
        try {
            affinity.mapKeysToNodes(new LinkedHashSet<>(keys)).forEach((n, ks) -> byNode.put(n, new ArrayList<>(ks)));
        } catch (RuntimeException e) {
            return null;
        }
        return byNode;
    }

    /** Each key's answer in order: from its channel (bytes or its error), else from {@code fallback}. */
    private static List<KeyResult<byte[]>> results(List<String> keys, Map<String, Object> got, List<String> rest,
                                                   Function<List<String>, List<KeyResult<byte[]>>> fallback) {
        Map<String, KeyResult<byte[]>> others = new HashMap<>();
        if (!rest.isEmpty())
            for (KeyResult<byte[]> r : fallback.apply(rest))
                others.put(r.key(), r);
        List<KeyResult<byte[]>> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            Object v = got.get(k);
            if (v instanceof byte[] b)
                out.add(KeyResult.ok(k, b));
            else if (v instanceof KvGridException e)
                out.add(KeyResult.failed(k, e));
            else
                out.add(others.get(k));
        }
        return List.copyOf(out);
    }

    @Override
    public void close() {
        channel.close();
    }
}
