package io.kvgrid.config;

import io.kvgrid.ClientRole;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.tls.TlsDirectory;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.ConnectorConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.internal.IgniteNodeAttributes;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A node from any shipped file listens only where the file says (discovery, communication, thin clients; JGroups in
 * its file), never on Ignite's legacy REST/memcached port, keeps its work directory out of the current directory, and
 * a node of another (plain Ignite) cluster cannot join it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NothingOpenByAccidentTest {
    private static final List<String> SHIPPED = List.of("kvgrid-default.xml", "kvgrid-replicated.xml",
        "kvgrid-ssd.xml", "kvgrid-tiers.xml", "kvgrid-jgroups.xml", "kvgrid-tls.xml", "kvgrid-jgroups-file.xml",
        "kvgrid-jgroups-multicast.xml", "kvgrid-jgroups-dns.xml");
    private static final String MCAST_GROUP = "239.255.77.80";
    private final int discoveryPort = LoopbackPorts.freeRange(10);
    private final int communicationPort = LoopbackPorts.freeRange(10);
    private final int thinPort = LoopbackPorts.freeRange(10);
    private final int channelPort = LoopbackPorts.freeRange(10);
    private final int jgroupsPort = LoopbackPorts.freeRange(3);
    private final int mcastPort = LoopbackPorts.freeRange(1);
    @TempDir
    Path tmp;

    private Map<String, String> overrides() {
        Map<String, String> m = new HashMap<>();
        m.put("kvgrid.instance.name", "open-" + discoveryPort);
        m.put("kvgrid.discovery.port", Integer.toString(discoveryPort));
        m.put("kvgrid.communication.port", Integer.toString(communicationPort));
        m.put("kvgrid.thin.port", Integer.toString(thinPort));
        m.put("kvgrid.block.channel.port", Integer.toString(channelPort));
        m.put("kvgrid.partitions", "64");
        m.put("kvgrid.data.region.bytes", Long.toString(64L << 20));
        m.put("kvgrid.meta.region.bytes", Long.toString(32L << 20));
        m.put("kvgrid.work.dir", tmp.resolve("work").toString());
        m.put("kvgrid.ssd.dir", tmp.resolve("ssd").toString());
        m.put("kvgrid.ssd.bytes", Long.toString(64L << 20));
        m.put("kvgrid.ssd.preallocate", "false");
        m.put("kvgrid.jgroups.cluster", "open-" + jgroupsPort);
        m.put("kvgrid.jgroups.port", Integer.toString(jgroupsPort));
        m.put("kvgrid.jgroups.port.range", "2");
        m.put("kvgrid.jgroups.initial.hosts", "127.0.0.1[" + jgroupsPort + "]");
        m.put("kvgrid.jgroups.join.timeout.millis", "500");
        m.put("kvgrid.jgroups.file.location", tmp.resolve("jgroups-files").toString());
        m.put("kvgrid.jgroups.mcast.address", MCAST_GROUP);
        m.put("kvgrid.jgroups.mcast.port", Integer.toString(mcastPort));
        m.put("kvgrid.jgroups.ip.ttl", "0");
        m.put("kvgrid.jgroups.dns.query", "localhost");
        m.put("kvgrid.tls.dir", tmp.resolve("tls").toString());
        return m;
    }

    private Set<Integer> declaredPorts() {
        Set<Integer> s = new TreeSet<>();
        for (int i = 0; i < 10; i++) {
            s.add(discoveryPort + i);
            s.add(communicationPort + i);
            s.add(thinPort + i);
            s.add(channelPort + i);
        }
        for (int i = 0; i < 3; i++) {
            s.add(jgroupsPort + i);
            for (int j = 0; j <= 3; j++) { // JGroups' FD_SOCK2: transport port + 100..103, wrapped above 1023
                int fd = (jgroupsPort + i + 100 + j) % 65536;
                s.add(fd < 1024 ? fd + 1024 : fd);
            }
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kvgrid-default.xml", "kvgrid-replicated.xml", "kvgrid-ssd.xml", "kvgrid-tiers.xml",
        "kvgrid-jgroups.xml", "kvgrid-tls.xml", "kvgrid-jgroups-file.xml", "kvgrid-jgroups-multicast.xml",
        "kvgrid-jgroups-dns.xml"})
    void aNodeFromEachShippedFileListensOnlyOnItsDeclaredPorts(String xml) throws Exception {
        assumeTrue(ListeningPorts.supported(), "needs /proc");
        if (xml.contains("multicast")) {
            String why = io.kvgrid.testing.LoopbackMulticast.whyNot(MCAST_GROUP, mcastPort);
            assumeTrue(why == null, () -> "skipped: " + why);
        }
        TlsDirectory.create(tmp.resolve("tls"), 1, Map.of("admin", ClientRole.ADMIN), 1);
        Set<Integer> before = ListeningPorts.ofThisProcess();
        IgniteConfiguration cfg = XmlConfigs.load(xml, overrides());
        assertNull(cfg.getConnectorConfiguration(), xml + " turns the legacy REST/memcached connector off");
        try (KvGridNode node = KvGrid.start(cfg)) {
            assertNull(node.ignite().cluster().localNode().attribute(IgniteNodeAttributes.ATTR_REST_TCP_PORT));
            Set<Integer> opened = new TreeSet<>(ListeningPorts.ofThisProcess());
            opened.removeAll(before);
            assertFalse(opened.isEmpty(), "the node listens somewhere");
            assertFalse(opened.contains(ConnectorConfiguration.DFLT_TCP_PORT), xml + " listens on 11211");
            opened.removeAll(declaredPorts());
            assertEquals(Set.of(), opened, xml + " listens on ports it does not declare");
        }
    }

    @Test
    void theLegacyConnectorWouldShowUpInThePortsAJvmListensOn() throws Exception {
        assumeTrue(ListeningPorts.supported(), "needs /proc");
        int legacy = LoopbackPorts.freeRange(1);
        IgniteConfiguration cfg = XmlConfigs.load("kvgrid-default.xml", overrides())
            .setConnectorConfiguration(new ConnectorConfiguration().setHost("127.0.0.1").setPort(legacy).setPortRange(0));
        try (KvGridNode node = KvGrid.start(cfg)) {
            assertTrue(ListeningPorts.ofThisProcess().contains(legacy), "the check sees an open legacy connector");
        }
    }

    @Test
    void everyShippedFileKeepsIgnitesWorkDirectoryUnderTheUsersHomeByDefault() {
        TlsDirectory.create(tmp.resolve("tls"), 1, Map.of("admin", ClientRole.ADMIN), 1);
        Map<String, String> o = overrides();
        o.remove("kvgrid.work.dir");
        Path expected = Path.of(System.getProperty("user.home"), ".kvgrid", "work");
        for (String xml : SHIPPED) {
            IgniteConfiguration cfg = XmlConfigs.load(xml, o);
            assertEquals(expected, Path.of(cfg.getWorkDirectory()), xml);
        }
    }

    @Test
    void aPlainIgniteNodeWithoutTheKvgridPluginCannotJoin() {
        try (KvGridNode node = KvGrid.start(XmlConfigs.load("kvgrid-default.xml", overrides()))) {
            TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder()
                .setAddresses(List.of("127.0.0.1:" + discoveryPort + ".." + (discoveryPort + 9)));
            IgniteConfiguration plain = new IgniteConfiguration()
                .setIgniteInstanceName("plain-" + discoveryPort)
                .setLocalHost("127.0.0.1")
                .setWorkDirectory(tmp.resolve("plain-work").toString())
                .setConnectorConfiguration(null)
                .setPluginProviders(new io.kvgrid.testing.OtherPlugin())
                .setDataStorageConfiguration(new org.apache.ignite.configuration.DataStorageConfiguration()
                    .setPageSize(16384)) // as kvgrid's nodes: so only the security check can tell it apart
                .setClientConnectorConfiguration(null)
                .setDiscoverySpi(new TcpDiscoverySpi().setLocalAddress("127.0.0.1").setLocalPort(discoveryPort)
                    .setLocalPortRange(10).setIpFinder(finder).setJoinTimeout(20_000));
            plain.setCommunicationSpi(new org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi()
                .setLocalAddress("127.0.0.1").setLocalPort(communicationPort + 5));
            Exception e = assertThrows(Exception.class, () -> Ignition.start(plain).close());
            String all = chain(e);
            assertTrue(all.contains("security processor class is not equal"), "refused for its security processor: " + all);
            assertEquals(1, node.ignite().cluster().nodes().size());
        }
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 4000; t = t.getCause())
            b.append(t).append(" | ");
        return b.toString();
    }
}
