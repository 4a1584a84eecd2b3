package io.kvgrid.config;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.discovery.JGroupsIpFinder;
import io.kvgrid.testing.Payload;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** Each bundled XML file starts real nodes on 127.0.0.1, and blocks round-trip through them byte for byte. */
@Timeout(600)
class BundledXmlNodesTest {
    private final int discoveryPort = io.kvgrid.testing.LoopbackPorts.freeRange(10);
    private final int communicationPort = io.kvgrid.testing.LoopbackPorts.freeRange(10);
    private final int thinPort = io.kvgrid.testing.LoopbackPorts.freeRange(10);
    private final List<AutoCloseable> nodes = new ArrayList<>();

    /** Test-sized regions and partitions, this test's ports, node {@code i}'s own instance name. */
    private Map<String, String> overrides(int i) {
        Map<String, String> m = new HashMap<>();
        m.put("kvgrid.instance.name", "xml-" + discoveryPort + "-" + i);
        m.put("kvgrid.discovery.port", Integer.toString(discoveryPort));
        m.put("kvgrid.communication.port", Integer.toString(communicationPort));
        m.put("kvgrid.thin.port", Integer.toString(thinPort));
        m.put("kvgrid.partitions", "64");
        m.put("kvgrid.data.region.bytes", Long.toString(96L << 20));
        m.put("kvgrid.meta.region.bytes", Long.toString(64L << 20));
        m.put("kvgrid.work.dir", Path.of("target", "ignite-work").toAbsolutePath().toString());
        return m;
    }

    private KvGridNode start(String xml, Map<String, String> overrides) {
        KvGridNode n = KvGrid.start(XmlConfigs.load(xml, overrides));
        nodes.add(n);
        return n;
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = nodes.size() - 1; i >= 0; i--)
            nodes.get(i).close();
    }

    @Test
    void theDefaultFileStartsThroughIgnitionItselfAndJoinsANodeLoadedByXmlConfigs() {
        URL url = getClass().getClassLoader().getResource("kvgrid-default.xml");
        assertNotNull(url);
        Map<String, String> props = overrides(0);
        props.forEach(System::setProperty);
        Ignite first;
        try {
            first = Ignition.start(url);     // Ignite's own Spring loader, placeholders from system properties
        } finally {
            props.keySet().forEach(System::clearProperty);
        }
        nodes.add(first);
        KvGridNode second = start("kvgrid-default.xml", overrides(1));

        assertEquals(2, second.ignite().cluster().nodes().size());
        BlockStore a = KvGrid.store(first);
        byte[] v = Payload.of("xml/default", 200_000);
        assertTrue(a.put("xml/default", v).stored());
        assertArrayEquals(v, second.store().get("xml/default"));
        assertEquals(2, a.query("xml/default").orElseThrow().replicaNodes().size());
        // A thin client reaches the store on the port the file configures.
        try (io.kvgrid.client.KvGridClient client = io.kvgrid.client.KvGridClient.connect("127.0.0.1:" + thinPort)) {
            assertArrayEquals(v, client.get("xml/default"));
            assertEquals(2, client.serverStats().size());
        }
    }

    @Test
    void theSsdFileSpillsEvictedBlocksToDiskAndReadsThemBackByteForByte(@org.junit.jupiter.api.io.TempDir Path ssd) {
        Map<String, String> o = overrides(0);
        o.put("kvgrid.ssd.dir", ssd.toString());
        o.put("kvgrid.ssd.bytes", Long.toString(256L << 20));
        o.put("kvgrid.ssd.preallocate", "false");
        o.put("kvgrid.data.region.bytes", Long.toString(32L << 20));
        KvGridNode n = start("kvgrid-ssd.xml", o);
        int blocks = 64; // 64 MiB of 1 MiB blocks into a 32 MiB region: most must spill
        for (int i = 0; i < blocks; i++)
            n.store().put("xml/ssd-" + i, Payload.of("xml/ssd-" + i, 1 << 20));
        assertTrue(n.store().localStats().evictions() > 0, "memory pressure evicted blocks");
        long onSsd = java.util.stream.IntStream.range(0, blocks)
            .filter(i -> n.store().query("xml/ssd-" + i).orElseThrow().tiers().contains(io.kvgrid.Tier.SSD)).count();
        assertTrue(onSsd > blocks / 3, onSsd + " blocks on SSD");
        for (int i = 0; i < blocks; i++)
            Payload.assertPayload("xml/ssd-" + i, 1 << 20, n.store().get("xml/ssd-" + i));
        assertTrue(java.nio.file.Files.isDirectory(ssd.resolve(o.get("kvgrid.instance.name"))),
            "the node's SSD files live under its consistent id");
    }

    @Test
    void theTiersFileRunsGpuMemoryAndSsdTogetherAndEveryBlockReadsBackByteForByte(
        @org.junit.jupiter.api.io.TempDir Path ssd) {
        Map<String, String> o = overrides(0);
        o.put("kvgrid.gpu.device", "host");
        o.put("kvgrid.gpu.bytes", Long.toString(8L << 20));
        o.put("kvgrid.ssd.dir", ssd.toString());
        o.put("kvgrid.ssd.bytes", Long.toString(256L << 20));
        o.put("kvgrid.ssd.preallocate", "false");
        o.put("kvgrid.data.region.bytes", Long.toString(32L << 20));
        org.apache.ignite.configuration.IgniteConfiguration cfg = XmlConfigs.load("kvgrid-tiers.xml", o);
        List<Object> tiers = XmlConfigs.kvgridConfiguration(cfg).getTiers();
        assertEquals(3, tiers.size());
        assertInstanceOf(io.kvgrid.gpu.GpuTierFactory.class, tiers.get(0));
        assertEquals("host", ((io.kvgrid.gpu.GpuTierFactory) tiers.get(0)).getDevice());
        assertEquals(KvGridConfiguration.MEMORY, tiers.get(1));
        assertInstanceOf(io.kvgrid.ssd.SsdTierFactory.class, tiers.get(2));
        KvGridNode n = KvGrid.start(cfg);
        nodes.add(n);
        int blocks = 64; // 64 MiB of 1 MiB blocks into a 32 MiB region: most go down to the SSD
        for (int i = 0; i < blocks; i++)
            n.store().put("xml/tiers-" + i, Payload.of("xml/tiers-" + i, 1 << 20));
        assertTrue(n.store().localStats().evictions() > 0, "memory pressure evicted blocks");
        // The last blocks written are read twice: they come up to the GPU.
        for (int r = 0; r < 2; r++)
            for (int i = blocks - 4; i < blocks; i++)
                Payload.assertPayload("xml/tiers-" + i, 1 << 20, n.store().get("xml/tiers-" + i));
        for (int i = blocks - 4; i < blocks; i++)
            assertTrue(n.store().query("xml/tiers-" + i).orElseThrow().tiers().contains(io.kvgrid.Tier.GPU),
                "block " + i + " on the GPU");
        long onSsd = java.util.stream.IntStream.range(0, blocks)
            .filter(i -> n.store().query("xml/tiers-" + i).orElseThrow().tiers().contains(io.kvgrid.Tier.SSD)).count();
        assertTrue(onSsd > blocks / 3, onSsd + " blocks on SSD");
        for (int i = 0; i < blocks; i++)
            Payload.assertPayload("xml/tiers-" + i, 1 << 20, n.store().get("xml/tiers-" + i));
    }

    @Test
    void twoSsdNodesStartedFromTheSameFileWithoutNamesGetDistinctIdentities(@org.junit.jupiter.api.io.TempDir Path ssd) {
        KvGridNode[] n = new KvGridNode[2];
        for (int i = 0; i < 2; i++) {
            Map<String, String> o = overrides(i);
            o.remove("kvgrid.instance.name");
            o.put("kvgrid.ssd.dir", ssd.toString());
            o.put("kvgrid.ssd.bytes", Long.toString(64L << 20));
            o.put("kvgrid.ssd.preallocate", "false");
            n[i] = start("kvgrid-ssd.xml", o);
        }
        assertEquals(2, n[1].ignite().cluster().forServers().nodes().size());
        assertNotEquals(n[0].consistentId(), n[1].consistentId());
        for (KvGridNode node : n)
            assertTrue(java.nio.file.Files.isDirectory(ssd.resolve(node.consistentId())), node.consistentId());
        n[0].store().put("xml/ssd-pair", new byte[] {5});
        assertArrayEquals(new byte[] {5}, n[1].store().get("xml/ssd-pair"));
    }

    @Test
    void theReplicatedFileKeepsThreeCopiesThatEveryNodeReadsBack() {
        KvGridNode[] n = new KvGridNode[3];
        for (int i = 0; i < 3; i++)
            n[i] = start("kvgrid-replicated.xml", overrides(i));

        byte[] v = Payload.of("xml/replicated", 123_457);
        assertTrue(n[1].store().put("xml/replicated", v).stored());
        assertEquals(3, n[0].store().query("xml/replicated").orElseThrow().replicaNodes().size());
        for (KvGridNode node : n)
            assertArrayEquals(v, node.store().get("xml/replicated"), node.ignite().name());
        DataRegionConfiguration blocks = Arrays.stream(n[0].ignite().configuration().getDataStorageConfiguration()
            .getDataRegionConfigurations()).filter(r -> r.getName().equals("kvgrid-blocks")).findFirst().orElseThrow();
        assertEquals(96L << 20, blocks.getMaxSize());
    }

    @Test
    void theReplicatedFileDefaultsToThreeReplicasAndFourGibibyteRegions() {
        IgniteConfiguration cfg = XmlConfigs.load("classpath:kvgrid-replicated.xml");
        KvGridConfiguration kv = XmlConfigs.kvgridConfiguration(cfg);
        assertEquals(3, kv.getDefaultReplicas());
        assertEquals(3, kv.getMaxReplicas());
        assertEquals(4L << 30, kv.getDataRegionBytes());
        assertEquals(512L << 20, kv.getMetaRegionBytes());
        assertTrue(kv.isVerifyOnRead());
        assertTrue(Arrays.stream(cfg.getDataStorageConfiguration().getDataRegionConfigurations())
            .anyMatch(r -> r.getName().equals("kvgrid-blocks") && r.getMaxSize() == 4L << 30));
        TcpDiscoveryVmIpFinder finder = (TcpDiscoveryVmIpFinder) ((TcpDiscoverySpi) cfg.getDiscoverySpi()).getIpFinder();
        assertEquals(java.util.stream.IntStream.rangeClosed(47500, 47509).boxed().collect(Collectors.toSet()),
            finder.getRegisteredAddresses().stream().map(InetSocketAddress::getPort).collect(Collectors.toSet()));
    }

    /** Two nodes from {@code xml} with this test's JGroups cluster and ports; a block put on one reads on the other. */
    private List<KvGridNode> twoJGroupsNodes(String xml, Map<String, String> extra) {
        int jgroupsPort = io.kvgrid.testing.LoopbackPorts.freeRange(3, 100, 101, 102, 103);
        List<KvGridNode> n = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Map<String, String> o = overrides(i);
            o.put("kvgrid.jgroups.cluster", "xml-" + jgroupsPort);
            o.put("kvgrid.jgroups.port", Integer.toString(jgroupsPort));
            o.put("kvgrid.jgroups.port.range", "2");
            o.put("kvgrid.jgroups.initial.hosts", "127.0.0.1[" + jgroupsPort + "]");
            o.put("kvgrid.jgroups.join.timeout.millis", "500");
            o.putAll(extra);
            IgniteConfiguration cfg = XmlConfigs.load(xml, o);
            JGroupsIpFinder finder = (JGroupsIpFinder) ((TcpDiscoverySpi) cfg.getDiscoverySpi()).getIpFinder();
            assertEquals("xml-" + jgroupsPort, finder.getClusterName());
            KvGridNode node = KvGrid.start(cfg);
            nodes.add(node);
            n.add(node);
            assertEquals(i + 1, finder.memberCount(), xml + ": JGroups members seen by node " + i);
        }
        assertEquals(2, n.get(0).ignite().cluster().nodes().size());
        byte[] v = Payload.of("xml/" + xml, 70_000);
        assertTrue(n.get(1).store().put("xml/" + xml, v).stored());
        assertArrayEquals(v, n.get(0).store().get("xml/" + xml));
        return n;
    }

    @Test
    void theJGroupsFileFormsAClusterThroughJGroupsDiscovery() {
        List<KvGridNode> n = twoJGroupsNodes("kvgrid-jgroups.xml", Map.of());
        JGroupsIpFinder finder = (JGroupsIpFinder) ((TcpDiscoverySpi) n.get(0).ignite().configuration()
            .getDiscoverySpi()).getIpFinder();
        assertNull(finder.getStack(), "the built-in TCP + TCPPING stack");
        assertEquals(List.of("127.0.0.1[" + finder.getBindPort() + "]"), finder.getInitialHosts());
    }

    @Test
    void theFilePingFileFormsAClusterThroughASharedDirectory(@org.junit.jupiter.api.io.TempDir Path shared)
        throws Exception {
        List<KvGridNode> n = twoJGroupsNodes("kvgrid-jgroups-file.xml",
            Map.of("kvgrid.jgroups.file.location", shared.toString()));
        JGroupsIpFinder finder = (JGroupsIpFinder) ((TcpDiscoverySpi) n.get(1).ignite().configuration()
            .getDiscoverySpi()).getIpFinder();
        assertEquals("kvgrid-stack-file.xml", finder.getStack());
        try (var files = java.nio.file.Files.list(shared.resolve(finder.getClusterName()))) {
            assertTrue(files.anyMatch(p -> p.toString().endsWith(".list")), "FILE_PING's member list is in " + shared);
        }
    }

    @Test
    void theMulticastFileFormsAClusterByMulticastOnLoopback() {
        String group = "239.255.77.79";
        int port = io.kvgrid.testing.LoopbackPorts.freeRange(1);
        String why = io.kvgrid.testing.LoopbackMulticast.whyNot(group, port);
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        List<KvGridNode> n = twoJGroupsNodes("kvgrid-jgroups-multicast.xml", Map.of(
            "kvgrid.jgroups.mcast.address", group, "kvgrid.jgroups.mcast.port", Integer.toString(port),
            "kvgrid.jgroups.ip.ttl", "0"));
        JGroupsIpFinder finder = (JGroupsIpFinder) ((TcpDiscoverySpi) n.get(0).ignite().configuration()
            .getDiscoverySpi()).getIpFinder();
        assertEquals("kvgrid-stack-udp.xml", finder.getStack());
    }

    @Test
    void theDnsFileFormsAClusterThroughTheAddressesItsQueryResolvesTo() throws Exception {
        java.net.InetAddress[] localhost = java.net.InetAddress.getAllByName("localhost");
        org.junit.jupiter.api.Assumptions.assumeTrue(Arrays.stream(localhost)
                .allMatch(a -> a.getHostAddress().equals("127.0.0.1")),
            () -> "needs 'localhost' to resolve to 127.0.0.1 only, it resolves to " + Arrays.toString(localhost));
        List<KvGridNode> n = twoJGroupsNodes("kvgrid-jgroups-dns.xml", Map.of("kvgrid.jgroups.dns.query", "localhost"));
        JGroupsIpFinder finder = (JGroupsIpFinder) ((TcpDiscoverySpi) n.get(0).ignite().configuration()
            .getDiscoverySpi()).getIpFinder();
        assertEquals("kvgrid-stack-dns.xml", finder.getStack());
        assertEquals("localhost", finder.getStackProperties().get("kvgrid.jgroups.dns.query"));
    }
}
