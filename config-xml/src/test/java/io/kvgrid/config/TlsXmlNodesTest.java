package io.kvgrid.config;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGrid;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.Payload;
import io.kvgrid.tls.TlsDirectory;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** kvgrid-tls.xml starts real nodes with mutual TLS from `kvgrid certs` files; only certified clients get in. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TlsXmlNodesTest {
    private final int discoveryPort = LoopbackPorts.freeRange(10);
    private final int communicationPort = LoopbackPorts.freeRange(10);
    private final int thinPort = LoopbackPorts.freeRange(10);
    private final List<KvGridNode> nodes = new ArrayList<>();
    @TempDir
    Path tmp;

    private Map<String, String> overrides(int i) {
        Map<String, String> m = new HashMap<>();
        m.put("kvgrid.instance.name", "tls-xml-" + discoveryPort + "-" + i);
        m.put("kvgrid.discovery.port", Integer.toString(discoveryPort));
        m.put("kvgrid.communication.port", Integer.toString(communicationPort));
        m.put("kvgrid.thin.port", Integer.toString(thinPort));
        m.put("kvgrid.partitions", "64");
        m.put("kvgrid.data.region.bytes", Long.toString(64L << 20));
        m.put("kvgrid.meta.region.bytes", Long.toString(32L << 20));
        m.put("kvgrid.work.dir", tmp.resolve("work").toString());
        m.put("kvgrid.tls.dir", tmp.resolve("tls").toString());
        m.put("kvgrid.tls.node", "node-" + i);
        return m;
    }

    @AfterEach
    void stop() {
        for (int i = nodes.size() - 1; i >= 0; i--)
            nodes.get(i).close();
    }

    @Test
    void twoTlsNodesServeCertifiedClientsByRoleAndRefuseEveryoneElse() {
        Path dir = tmp.resolve("tls");
        Map<String, ClientRole> clients = new LinkedHashMap<>();
        clients.put("admin", ClientRole.ADMIN);
        clients.put("engine", ClientRole.WRITE);
        TlsDirectory.create(dir, 2, clients, 1);
        for (int i = 0; i < 2; i++) {
            IgniteConfiguration cfg = XmlConfigs.load("kvgrid-tls.xml", overrides(i));
            var spi = (org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi) cfg.getCommunicationSpi();
            assertEquals(0, spi.getSocketReceiveBuffer(), "kernel-sized, as in every shipped file");
            assertEquals(0, spi.getSocketSendBuffer());
            nodes.add(KvGrid.start(cfg));
        }
        assertEquals(2, nodes.get(0).ignite().cluster().nodes().size(), "nodes joined each other over TLS");
        String hosts = "127.0.0.1:" + thinPort + ",127.0.0.1:" + (thinPort + 1);

        byte[] v = Payload.of("tls-xml/a", 400_000);
        try (KvGridClient engine = KvGridClient.connect(hosts, dir, "engine")) {
            assertTrue(engine.put("tls-xml/a", v).stored());
            assertArrayEquals(v, engine.get("tls-xml/a"));
            KvGridException e = assertThrows(KvGridException.class, () -> engine.removeByRegex("tls-xml/.*", true));
            assertEquals(ErrorCode.FORBIDDEN, e.code());
        }
        try (KvGridClient admin = KvGridClient.connect(hosts, dir, "admin")) {
            assertEquals(1, admin.removeByRegex("tls-xml/.*", true).removed());
        }
        KvGridException plain = assertThrows(KvGridException.class, () -> KvGridClient.connect(hosts).close());
        assertEquals(ErrorCode.NODE_UNAVAILABLE, plain.code());
        assertFalse(nodes.get(1).store().exists("tls-xml/a"));
    }

    @Test
    void aNodeWithoutTlsOnTheSameDiscoveryPortsDoesNotJoin() {
        TlsDirectory.create(tmp.resolve("tls"), 1, Map.of("admin", ClientRole.ADMIN), 1);
        nodes.add(KvGrid.start(XmlConfigs.load("kvgrid-tls.xml", overrides(0))));
        Map<String, String> o = overrides(1);
        o.put("kvgrid.thin.port", Integer.toString(thinPort + 5));
        IgniteConfiguration open = XmlConfigs.load("kvgrid-default.xml", o);
        ((TcpDiscoverySpi) open.getDiscoverySpi()).setJoinTimeout(10_000);
        try (KvGridNode n = KvGrid.start(open)) {
            assertEquals(1, n.ignite().cluster().nodes().size(), "it formed no cluster with the TLS node");
        } catch (RuntimeException refused) {
            // the TLS node never completed a handshake with it
        }
        assertEquals(1, nodes.get(0).ignite().cluster().nodes().size());
    }

    @Test
    void aMissingCertificatesDirectoryIsAConfigurationErrorNamingIt() {
        Map<String, String> o = overrides(0);
        o.remove("kvgrid.tls.dir");
        KvGridException e = assertThrows(KvGridException.class, () -> XmlConfigs.load("kvgrid-tls.xml", o));
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals("tlsDir", e.argument());
        o.put("kvgrid.tls.dir", tmp.resolve("none").toString());
        assertEquals("tlsDir", assertThrows(KvGridException.class, () -> XmlConfigs.load("kvgrid-tls.xml", o))
            .argument());
    }
}
