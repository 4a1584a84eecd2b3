package io.kvgrid.testing;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Real Ignite server nodes on 127.0.0.1 in this JVM, on a discovery port range of their own so that test JVMs
 * running side by side never join each other's cluster.
 */
public final class TestCluster implements AutoCloseable {
    /** Discovery ports from here, thin-client ports after them. */
    private final int port = LoopbackPorts.freeRange(KvGrid.DISCOVERY_PORT_RANGE + KvGrid.THIN_CLIENT_PORT_RANGE);
    private final KvGridConfiguration cfg;
    private final UnaryOperator<IgniteConfiguration> tweak;
    private final List<KvGridNode> nodes = new ArrayList<>();
    private final List<KvGridNode> clients = new ArrayList<>();
    private int started;

    private TestCluster(KvGridConfiguration cfg, UnaryOperator<IgniteConfiguration> tweak) {
        this.cfg = cfg;
        this.tweak = tweak;
    }

    /** Small test-sized regions (64 MiB of blocks per node) unless the caller set others. */
    public static KvGridConfiguration smallConfig() {
        KvGridConfiguration c = new KvGridConfiguration();
        c.setDataRegionBytes(64L << 20);
        c.setMetaRegionBytes(64L << 20);
        c.setPartitions(64);
        // Tests of other behaviour must not depend on this machine's speed (a loaded 2-core CI box can pause a JVM
        // past 100 ms); the deadline tests set the default back themselves.
        c.setReadDeadlineMillis(5_000);
        c.setWriteDeadlineMillis(20_000);
        return c;
    }

    public static TestCluster start(int n) {
        return start(n, smallConfig());
    }

    public static TestCluster start(int n, KvGridConfiguration cfg) {
        return start(n, cfg, UnaryOperator.identity());
    }

    public static TestCluster start(int n, KvGridConfiguration cfg, UnaryOperator<IgniteConfiguration> tweak) {
        TestCluster c = new TestCluster(cfg, tweak);
        try {
            for (int i = 0; i < n; i++)
                c.addNode();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The discovery port of this cluster's first node (for extra nodes or client processes). */
    public int discoveryPort() {
        return port;
    }

    /** The first thin-client port of this cluster's nodes (each node takes the next free one). */
    public int thinClientPort() {
        return port + KvGrid.DISCOVERY_PORT_RANGE;
    }

    /** {@code 127.0.0.1:port} of every thin-client port this cluster's nodes may listen on. */
    public String thinClientHosts() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < KvGrid.THIN_CLIENT_PORT_RANGE; i++)
            b.append(i == 0 ? "" : ",").append("127.0.0.1:").append(thinClientPort() + i);
        return b.toString();
    }

    /** {@code 127.0.0.1:port} of node {@code i}'s thin-client connector. */
    public String thinClientAddress(int i) {
        return "127.0.0.1:" + nodes.get(i).ignite().cluster().localNode().attribute("clientListenerPort");
    }

    public IgniteConfiguration nodeConfiguration(String name) {
        return tweak.apply(KvGrid.embeddedConfiguration(name, cfg, port, thinClientPort()));
    }

    public KvGridNode addNode() {
        return addNode("kv-" + port + "-" + started++);
    }

    /** Starts a node whose instance name and consistent id are {@code name} (restart a node under its old name). */
    public KvGridNode addNode(String name) {
        KvGridNode n = KvGrid.start(nodeConfiguration(name).setConsistentId(name));
        nodes.add(n);
        return n;
    }

    /** Starts a client node of this cluster named {@code name}; it is closed with the cluster, before the servers. */
    public KvGridNode addClient(String name) {
        KvGridNode n = KvGrid.start(nodeConfiguration(name).setClientMode(true));
        clients.add(n);
        return n;
    }

    public KvGridNode node(int i) {
        return nodes.get(i);
    }

    public BlockStore store(int i) {
        return nodes.get(i).store();
    }

    public int size() {
        return nodes.size();
    }

    /** Stops node {@code i} (gracefully) and forgets it. */
    public void stopNode(int i) {
        nodes.remove(i).close();
    }

    @Override
    public void close() {
        for (KvGridNode c : clients) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // already stopping
            }
        }
        clients.clear();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).close();
            } catch (RuntimeException ignored) {
                // already stopping
            }
        }
        nodes.clear();
    }
}
