package io.kvgrid.discovery;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.kvgrid.discovery.Polling.eventually;
import static org.junit.jupiter.api.Assertions.*;

/** Real Ignite nodes whose only way to find each other is the JGroups IP finder. */
@Timeout(600)
class JGroupsDiscoveryTest {
    private final int jgroupsPort = io.kvgrid.testing.LoopbackPorts.freeRange(3, 100);
    private final int ignitePort = io.kvgrid.testing.LoopbackPorts.freeRange(3, 100);
    private final List<KvGridNode> nodes = new ArrayList<>();
    private final List<JGroupsIpFinder> finders = new ArrayList<>();

    /** Node {@code i}: Ignite discovery on exactly {@code ignitePort + i}, JGroups on {@code jgroupsPort + i}. */
    private KvGridNode startNode(int i) {
        JGroupsIpFinder finder = new JGroupsIpFinder()
            .setClusterName("ignite-test-" + jgroupsPort)
            .setBindAddress("127.0.0.1")
            .setBindPort(jgroupsPort + i)
            .setPortRange(0)
            .setInitialHosts(List.of("127.0.0.1[" + jgroupsPort + "]", "127.0.0.1[" + (jgroupsPort + 1) + "]",
                "127.0.0.1[" + (jgroupsPort + 2) + "]"))
            .setJoinTimeoutMillis(500);
        IgniteConfiguration cfg = KvGrid.embeddedConfiguration("jg-" + ignitePort + "-" + i, TestCluster.smallConfig(),
            ignitePort + i);
        ((TcpDiscoverySpi) cfg.getDiscoverySpi()).setIpFinder(finder).setLocalPortRange(1);
        cfg.setWorkDirectory(Path.of("target", "ignite-work").toAbsolutePath().toString());
        finders.add(finder);
        KvGridNode node = KvGrid.start(cfg);
        nodes.add(node);
        return node;
    }

    private static Set<Integer> ports(JGroupsIpFinder finder) {
        return finder.getRegisteredAddresses().stream().map(InetSocketAddress::getPort).collect(Collectors.toSet());
    }

    @AfterEach
    void stopAll() {
        for (int i = nodes.size() - 1; i >= 0; i--)
            nodes.get(i).close();
        finders.forEach(JGroupsIpFinder::close);
    }

    @Test
    void threeNodesFormOneClusterThroughJGroupsAndShareBlocks() {
        KvGridNode a = startNode(0);
        KvGridNode b = startNode(1);
        KvGridNode c = startNode(2);

        for (KvGridNode n : List.of(a, b, c))
            assertEquals(3, n.ignite().cluster().nodes().size(), n.ignite().name());
        for (JGroupsIpFinder f : finders) {
            assertEquals(3, f.memberCount());
            assertEquals(Set.of(ignitePort, ignitePort + 1, ignitePort + 2), ports(f));
        }

        byte[] first = Payload.of("jg/blk-0", 300_000);
        assertTrue(a.store().put("jg/blk-0", first).stored());
        assertArrayEquals(first, c.store().get("jg/blk-0"));
        byte[] second = Payload.of("jg/blk-1", 4_096);
        assertTrue(c.store().put("jg/blk-1", second).stored());
        assertArrayEquals(second, b.store().get("jg/blk-1"));
    }

    @Test
    void aNodeThatLeavesIsDroppedFromTheRegisteredAddresses() {
        KvGridNode a = startNode(0);
        KvGridNode b = startNode(1);
        KvGridNode c = startNode(2);

        nodes.remove(c);
        c.close();

        eventually(Duration.ofSeconds(20), "node 2's address dropped at node 0",
            () -> ports(finders.get(0)).equals(Set.of(ignitePort, ignitePort + 1)));
        assertEquals(Set.of(ignitePort, ignitePort + 1), ports(finders.get(1)));
        assertEquals(2, finders.get(0).memberCount());
        eventually(Duration.ofSeconds(20), "two Ignite nodes left", () -> a.ignite().cluster().nodes().size() == 2);
        // the two that stay still work as one cluster
        byte[] v = Payload.of("jg/after-leave", 65_536);
        assertTrue(b.store().put("jg/after-leave", v).stored());
        assertArrayEquals(v, a.store().get("jg/after-leave"));
    }
}
