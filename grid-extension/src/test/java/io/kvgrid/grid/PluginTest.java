package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridPluginProvider;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.logger.NullLogger;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

import static io.kvgrid.grid.GridTests.assertFails;
import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Ignite plugin on a node the user starts with plain {@code Ignition.start}. */
@Timeout(600)
class PluginTest {
    /** A bare local node configuration: loopback only, own port range, no data regions, no kvgrid. */
    private static IgniteConfiguration bareNode(String name) throws IOException {
        int port = freePort();
        IgniteConfiguration cfg = new IgniteConfiguration()
            .setIgniteInstanceName(name)
            .setLocalHost("127.0.0.1")
            .setWorkDirectory(Files.createTempDirectory("kvgrid-plugin-work").toString())
            .setMetricsLogFrequency(0)
            .setDiscoverySpi(new TcpDiscoverySpi().setLocalAddress("127.0.0.1").setLocalPort(port).setLocalPortRange(1)
                .setIpFinder(new TcpDiscoveryVmIpFinder().setAddresses(List.of("127.0.0.1:" + port))))
            .setCommunicationSpi(new TcpCommunicationSpi().setLocalAddress("127.0.0.1"));
        if (!Boolean.getBoolean("kvgrid.ignite.log"))
            cfg.setGridLogger(new NullLogger());
        return cfg;
    }

    private static int freePort() {
        for (int i = 0; i < 100; i++) {
            int p = 20000 + ThreadLocalRandom.current().nextInt(30000);
            try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException busy) {
                // try another
            }
        }
        throw new IllegalStateException("no free port on 127.0.0.1");
    }

    @Test
    void aNodeStartedWithOnlyThePluginProviderGetsTheStoreAndItsDataRegions() throws IOException {
        IgniteConfiguration cfg = bareNode("plugin-" + UUID.randomUUID());
        cfg.setPluginProviders(new KvGridPluginProvider(TestCluster.smallConfig()));
        try (Ignite ignite = Ignition.start(cfg)) {
            BlockStore store = KvGrid.store(ignite);
            assertTrue(store.put("plugin/1", Payload.of("plugin/1", 50_000)).stored());
            assertPayload("plugin/1", 50_000, store.get("plugin/1"));
            assertTrue(store.exists("plugin/1"));
            Set<String> regions = Arrays.stream(ignite.configuration().getDataStorageConfiguration()
                .getDataRegionConfigurations()).map(DataRegionConfiguration::getName).collect(Collectors.toSet());
            assertTrue(regions.containsAll(Set.of("kvgrid-blocks", "kvgrid-blocks-meta")), "regions " + regions);
            Set<String> live = ignite.dataRegionMetrics().stream().map(m -> m.getName()).collect(Collectors.toSet());
            assertTrue(live.contains("kvgrid-blocks"), "live regions " + live);
        }
    }

    @Test
    void aNodeStartedWithoutThePluginGivesInvalidConfigFromKvGridStore() throws IOException {
        // An explicit provider list replaces the ServiceLoader lookup, so this node really has no kvgrid plugin.
        IgniteConfiguration cfg = bareNode("no-plugin-" + UUID.randomUUID());
        cfg.setPluginProviders(new io.kvgrid.testing.OtherPlugin());
        try (Ignite ignite = Ignition.start(cfg)) {
            assertFails(ErrorCode.INVALID_CONFIG, "pluginProviders", () -> KvGrid.store(ignite));
            assertTrue(ignite.cacheNames().stream().noneMatch(n -> n.startsWith("kvgrid")), "no kvgrid caches");
        }
    }
}
