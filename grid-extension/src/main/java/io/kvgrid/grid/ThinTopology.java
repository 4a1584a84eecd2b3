package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.affinity.Affinity;
import org.apache.ignite.cluster.ClusterNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Builds the {@link WireTopology} a thin client routes by, and tells a node's thin-client endpoints. */
final class ThinTopology {
    /** Node attribute in which Ignite publishes the port its thin-client connector is bound to. */
    private static final String CLIENT_PORT_ATTR = "clientListenerPort";

    private ThinTopology() {
    }

    static WireTopology of(Ignite ignite, KvGridConfiguration cfg) {
        WireTopology t = new WireTopology();
        t.version = ignite.cluster().topologyVersion();
        t.partitions = cfg.getPartitions();
        t.shardsPerBlock = cfg.getShardsPerBlock();
        t.maxBlockBytes = cfg.getMaxBlockBytes();
        t.maxReplicas = cfg.getMaxReplicas();
        List<ClusterNode> servers = new ArrayList<>(ignite.cluster().forServers().nodes());
        Map<ClusterNode, Integer> index = new HashMap<>();
        t.nodeIds = new java.util.UUID[servers.size()];
        t.consistentIds = new String[servers.size()];
        t.endpoints = new String[servers.size()];
        t.channelPorts = new int[servers.size()];
        for (int i = 0; i < servers.size(); i++) {
            ClusterNode n = servers.get(i);
            index.put(n, i);
            t.nodeIds[i] = n.id();
            t.consistentIds[i] = String.valueOf(n.consistentId());
            t.endpoints[i] = String.join(",", endpoints(n));
            t.channelPorts[i] = BlockChannelClient.port(n);
        }
        Affinity<Object> aff = ignite.affinity(GridCaches.metaCache(cfg));
        t.primary = new int[t.partitions];
        for (int p = 0; p < t.partitions; p++) {
            ClusterNode n = aff.mapPartitionToNode(p);
            t.primary[p] = n == null ? -1 : index.getOrDefault(n, -1);
        }
        return t;
    }

    /** {@code host:port} of each address of {@code node} on its thin-client port; empty when it has no connector. */
    static List<String> endpoints(ClusterNode node) {
        return endpoints(node, node.addresses());
    }

    /**
     * Where the local node serves thin clients: its bound port (node attribute {@code clientListenerPort}) on the
     * connector's host, else the node's local host, else (bound to every interface) each of its addresses. Empty when
     * its connector is disabled.
     */
    static List<String> localEndpoints(Ignite ignite) {
        ClusterNode local = ignite.cluster().localNode();
        var cfg = ignite.configuration();
        String host = cfg.getClientConnectorConfiguration() == null ? null
            : cfg.getClientConnectorConfiguration().getHost();
        if (host == null || host.isBlank())
            host = cfg.getLocalHost();
        boolean everywhere = host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::");
        return endpoints(local, everywhere ? local.addresses() : List.of(host));
    }

    private static List<String> endpoints(ClusterNode node, java.util.Collection<String> hosts) {
        Object port = node.attribute(CLIENT_PORT_ATTR);
        List<String> out = new ArrayList<>();
        if (port == null)
            return out;
        for (String host : hosts)
            out.add((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port);
        return out;
    }
}
