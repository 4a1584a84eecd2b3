package io.kvgrid.discovery;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three nodes that start at the same instant, six times over, always form one cluster, finding each other as
 * kvgrid-jgroups.xml has them do: through one initial host and the port range above it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConcurrentStartTest {
    /** Before the merge wait, 9 of 10 trials split: six that all pass leave a one-in-a-million chance of a miss. */
    private static final int TRIALS = 6;

    @Test
    void threeNodesStartedAtOnceFormOneClusterEveryTime() throws Exception {
        List<String> sizes = new ArrayList<>();
        for (int trial = 0; trial < TRIALS; trial++) {
            int jgroupsPort = LoopbackPorts.freeRange(11, 100);
            int ignitePort = LoopbackPorts.freeRange(KvGrid.DISCOVERY_PORT_RANGE + KvGrid.THIN_CLIENT_PORT_RANGE);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<KvGridNode>> starting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return KvGrid.start(config(n, jgroupsPort, ignitePort));
                }));
            }
            go.countDown();
            List<KvGridNode> nodes = new ArrayList<>();
            try {
                for (CompletableFuture<KvGridNode> f : starting)
                    nodes.add(f.get(90, TimeUnit.SECONDS));
                StringBuilder b = new StringBuilder();
                for (KvGridNode n : nodes)
                    b.append(n.ignite().cluster().nodes().size());
                sizes.add(b.toString());
            } finally {
                for (CompletableFuture<KvGridNode> f : starting)
                    f.thenAccept(KvGridNode::close);
                for (KvGridNode n : nodes)
                    n.close();
            }
        }
        assertEquals(java.util.Collections.nCopies(TRIALS, "333"), sizes, "cluster sizes seen by each node, per trial");
    }

    private static IgniteConfiguration config(int i, int jgroupsPort, int ignitePort) {
        JGroupsIpFinder finder = new JGroupsIpFinder()
            .setClusterName("concurrent-" + jgroupsPort)
            .setBindAddress("127.0.0.1")
            .setBindPort(jgroupsPort)
            .setPortRange(10)
            .setInitialHosts(List.of("127.0.0.1[" + jgroupsPort + "]"));
        IgniteConfiguration cfg = KvGrid.embeddedConfiguration("cs-" + ignitePort + "-" + i,
            TestCluster.smallConfig(), ignitePort, ignitePort + KvGrid.DISCOVERY_PORT_RANGE);
        ((TcpDiscoverySpi) cfg.getDiscoverySpi()).setIpFinder(finder);
        cfg.setWorkDirectory(Path.of("target", "ignite-work").toAbsolutePath().toString());
        return cfg;
    }
}
