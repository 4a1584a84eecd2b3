package io.kvgrid.config;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.discovery.JGroupsIpFinder;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Loading rules and errors; nothing here starts a node. */
@Timeout(600)
class XmlConfigsTest {
    /** The shipped node configurations that load without certificates (kvgrid-tls.xml: TlsXmlNodesTest). */
    private static final List<String> SHIPPED_WITHOUT_TLS = List.of("kvgrid-default.xml", "kvgrid-jgroups.xml",
        "kvgrid-replicated.xml", "kvgrid-ssd.xml", "kvgrid-tiers.xml", "kvgrid-jgroups-file.xml",
        "kvgrid-jgroups-multicast.xml", "kvgrid-jgroups-dns.xml");

    private static KvGridException fails(String xml) {
        return assertThrows(KvGridException.class, () -> XmlConfigs.load(xml));
    }

    @Test
    void anUnknownPropertyOnKvGridConfigurationFailsNamingIt() {
        KvGridException e = fails("bad-unknown-property.xml");
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("highWaterMark", e.argument());
        assertTrue(e.getMessage().contains("unknown property 'highWaterMark' of io.kvgrid.KvGridConfiguration"),
            e.getMessage());
        assertTrue(e.getMessage().contains("highWatermark"), "suggests the right name: " + e.getMessage());
    }

    @Test
    void anOutOfRangeHighWatermarkFailsWithTheSettersMessage() {
        KvGridException e = fails("bad-high-watermark.xml");
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("highWatermark", e.argument());
        assertTrue(e.getMessage().contains("must be in (0, 1), was 1.5"), e.getMessage());
        assertTrue(e.getMessage().contains("bad-high-watermark.xml"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeFailsNamingTheProperty() {
        KvGridException e = fails("bad-wrong-type.xml");
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("partitions", e.argument());
        assertTrue(e.getMessage().contains("many"), e.getMessage());
    }

    @Test
    void aMissingOrUnreadableFileIsNamedAsThePath(@TempDir Path dir) throws Exception {
        KvGridException missing = fails(dir.resolve("nope.xml").toString());
        assertEquals(ErrorCode.INVALID_CONFIG, missing.code());
        assertEquals("path", missing.argument());

        Path broken = Files.writeString(dir.resolve("broken.xml"), "<beans><bean class=");
        KvGridException unreadable = fails(broken.toString());
        assertEquals("path", unreadable.argument());

        Path empty = Files.writeString(dir.resolve("empty.xml"),
            "<beans xmlns=\"http://www.springframework.org/schema/beans\""
                + " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\""
                + "http://www.springframework.org/schema/beans"
                + " http://www.springframework.org/schema/beans/spring-beans.xsd\"/>");
        KvGridException none = fails(empty.toUri().toString());
        assertEquals("path", none.argument());
        assertTrue(none.getMessage().contains("0 IgniteConfiguration beans"), none.getMessage());
    }

    @Test
    void placeholdersTakeOverridesBeforeSystemPropertiesBeforeDefaults() {
        IgniteConfiguration defaults = XmlConfigs.load("kvgrid-default.xml");
        assertEquals("kvgrid-node", defaults.getIgniteInstanceName());
        assertEquals(256, XmlConfigs.kvgridConfiguration(defaults).getPartitions());

        System.setProperty("kvgrid.partitions", "128");
        try {
            assertEquals(128, XmlConfigs.kvgridConfiguration(XmlConfigs.load("kvgrid-default.xml")).getPartitions());
            IgniteConfiguration o = XmlConfigs.load("kvgrid-default.xml", Map.of("kvgrid.partitions", "32"));
            assertEquals(32, XmlConfigs.kvgridConfiguration(o).getPartitions());
        } finally {
            System.clearProperty("kvgrid.partitions");
        }
    }

    @Test
    void everyShippedFileServesMetricsOnPort9464OfItsLocalHostUnlessOverridden() {
        for (String f : SHIPPED_WITHOUT_TLS) {
            IgniteConfiguration cfg = XmlConfigs.load(f);
            assertEquals(9464, XmlConfigs.kvgridConfiguration(cfg).getMetricsPort(), f);
            assertEquals("127.0.0.1", cfg.getLocalHost(), f);
            assertEquals(0, XmlConfigs.kvgridConfiguration(XmlConfigs.load(f, Map.of("kvgrid.metrics.port", "0")))
                .getMetricsPort(), f + ": 0 turns the endpoint off");
        }
        KvGridException e = assertThrows(KvGridException.class,
            () -> XmlConfigs.load("kvgrid-default.xml", Map.of("kvgrid.metrics.port", "70000")));
        assertTrue(e.getMessage().contains("metricsPort"), e.getMessage());
    }

    @Test
    void everyShippedFileLetsTheKernelSizeCommunicationSocketBuffers() {
        // Ignite's fixed 32 KiB stalled 1 MiB transfers between JVMs for seconds (KvGrid.communicationBuffers).
        for (String f : SHIPPED_WITHOUT_TLS) {
            var spi = (org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi) XmlConfigs.load(f)
                .getCommunicationSpi();
            assertEquals(0, spi.getSocketReceiveBuffer(), f);
            assertEquals(0, spi.getSocketSendBuffer(), f);
        }
    }

    @Test
    void aFileOnDiskLoadsByPathAndByUrl(@TempDir Path dir) throws Exception {
        Path copy = dir.resolve("node.xml");
        try (var in = getClass().getClassLoader().getResourceAsStream("kvgrid-default.xml")) {
            Files.copy(in, copy);
        }
        assertEquals("by-path", XmlConfigs.load(copy.toString(), Map.of("kvgrid.instance.name", "by-path"))
            .getIgniteInstanceName());
        assertEquals("by-url", XmlConfigs.load(copy.toUri().toString(), Map.of("kvgrid.instance.name", "by-url"))
            .getIgniteInstanceName());
    }

    @Test
    void theJGroupsStackFilesPassOnOnlyTheStackSettingsThatAreGiven() {
        Map<String, String> stacks = Map.of("kvgrid-jgroups-file.xml", "kvgrid-stack-file.xml",
            "kvgrid-jgroups-multicast.xml", "kvgrid-stack-udp.xml", "kvgrid-jgroups-dns.xml", "kvgrid-stack-dns.xml");
        stacks.forEach((xml, stack) -> {
            JGroupsIpFinder plain = finder(XmlConfigs.load(xml));
            assertEquals(stack, plain.getStack(), xml);
            assertEquals(Map.of(), plain.getStackProperties(), xml + ": the stack's own defaults apply");
            JGroupsIpFinder set = finder(XmlConfigs.load(xml, Map.of("kvgrid.jgroups.port", "7900")));
            assertEquals(Map.of("kvgrid.jgroups.port", "7900"), set.getStackProperties(), xml);
        });
    }

    @Test
    void aMissingStackOrAValueItCannotUseFailsNamingTheFindersSetting() {
        KvGridException missing = assertThrows(KvGridException.class,
            () -> XmlConfigs.load("kvgrid-jgroups-file.xml", Map.of("kvgrid.jgroups.stack", "no-such-stack.xml")));
        assertEquals(ErrorCode.INVALID_CONFIG, missing.code());
        assertEquals("stack", missing.argument());
        assertTrue(missing.getMessage().contains("no-such-stack.xml"), missing.getMessage());

        KvGridException badPort = assertThrows(KvGridException.class,
            () -> XmlConfigs.load("kvgrid-jgroups-dns.xml", Map.of("kvgrid.jgroups.port", "many")));
        assertEquals("stackProperties", badPort.argument());
        assertTrue(badPort.getMessage().contains("many"), badPort.getMessage());
    }

    private static JGroupsIpFinder finder(IgniteConfiguration cfg) {
        return (JGroupsIpFinder) ((TcpDiscoverySpi) cfg.getDiscoverySpi()).getIpFinder();
    }
}
