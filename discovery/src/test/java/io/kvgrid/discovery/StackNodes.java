package io.kvgrid.discovery;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Ignite nodes on 127.0.0.1 whose only way to find each other is a {@link JGroupsIpFinder} running one JGroups stack
 * file. Node {@code i} has Ignite discovery on exactly {@code base + i}, thin clients from {@code base + 10 + i},
 * communication from {@code base + 30 + i}; its JGroups ports come from the stack properties. Stopping a node keeps
 * its slot, so it can start again on the same ports.
 */
final class StackNodes implements AutoCloseable {
    private final String stack;
    private final String cluster;
    private final Map<String, String> properties;
    private final Path workDir;
    private final int base = LoopbackPorts.freeRange(40);
    // Nodes may start from several threads at once.
    private final Map<Integer, KvGridNode> nodes = new ConcurrentSkipListMap<>();
    private final Map<Integer, JGroupsIpFinder> finders = new ConcurrentHashMap<>();
    private final List<JGroupsIpFinder> all = new CopyOnWriteArrayList<>();

    StackNodes(String stack, Map<String, String> properties, Path workDir) {
        this.stack = stack;
        this.cluster = "stack-" + base;
        this.properties = Map.copyOf(properties);
        this.workDir = workDir;
    }

    /** A finder on this set's stack, cluster and properties, not yet connected. */
    JGroupsIpFinder finder() {
        JGroupsIpFinder f = new JGroupsIpFinder().setClusterName(cluster).setStack(stack)
            .setStackProperties(properties);
        all.add(f);
        return f;
    }

    KvGridNode start(int i) {
        JGroupsIpFinder finder = finder();
        IgniteConfiguration cfg = KvGrid.embeddedConfiguration("st-" + base + "-" + i, TestCluster.smallConfig(),
            base + i, base + 10 + i);
        ((TcpDiscoverySpi) cfg.getDiscoverySpi()).setIpFinder(finder).setLocalPortRange(1);
        cfg.setCommunicationSpi(new TcpCommunicationSpi().setLocalAddress("127.0.0.1").setLocalPort(base + 30 + i)
            .setLocalPortRange(1));
        cfg.setWorkDirectory(workDir.toAbsolutePath().toString());
        finders.put(i, finder);
        KvGridNode node = KvGrid.start(cfg);
        nodes.put(i, node);
        return node;
    }

    void stop(int i) {
        nodes.remove(i).close();
    }

    KvGridNode node(int i) {
        return nodes.get(i);
    }

    JGroupsIpFinder finder(int i) {
        return finders.get(i);
    }

    /** Ignite cluster size as each running node sees it, in node order, e.g. "333". */
    String sizes() {
        StringBuilder b = new StringBuilder();
        for (KvGridNode n : nodes.values())
            b.append(n.ignite().cluster().nodes().size());
        return b.toString();
    }

    @Override
    public void close() {
        List<Integer> running = new ArrayList<>(nodes.keySet());
        for (int k = running.size() - 1; k >= 0; k--)
            nodes.remove(running.get(k)).close();
        all.forEach(JGroupsIpFinder::close);
    }
}
