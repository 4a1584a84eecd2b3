package io.kvgrid.tls;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.KvGridNode;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.ClientAuthorizationException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two real nodes with mutual TLS from certificates of {@link TlsDirectory}: only a client holding a key signed by the
 * cluster's CA, valid now, gets in, and its certificate's role bounds what it may do.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MutualTlsTest {
    @TempDir
    static Path tmp;
    private static Path dir;
    private static Path foreign;
    private static TestCluster cluster;
    private static String hosts;
    private static final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    @BeforeAll
    static void start() {
        dir = tmp.resolve("tls");
        foreign = tmp.resolve("foreign");
        Map<String, ClientRole> clients = new LinkedHashMap<>();
        clients.put("admin", ClientRole.ADMIN);
        clients.put("writer", ClientRole.WRITE);
        clients.put("reader", ClientRole.READ);
        TlsDirectory.create(dir, 2, clients, 2);
        TlsDirectory.create(foreign, 1, Map.of("admin", ClientRole.ADMIN), 2);
        AtomicInteger next = new AtomicInteger();
        io.kvgrid.KvGridConfiguration metered = TestCluster.smallConfig();
        metered.setMeterRegistry(registry);
        cluster = TestCluster.start(2, metered,
            cfg -> KvGridTls.applyToNode(cfg, dir, "node-" + next.getAndIncrement() % 2));
        hosts = cluster.thinClientAddress(0) + "," + cluster.thinClientAddress(1);
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    @Test
    void anAdminClientPutsAndGetsBytesOverTls() {
        byte[] v = Payload.of("tls/admin", 300_000);
        try (KvGridClient c = KvGridClient.connect(hosts, dir, "admin")) {
            assertTrue(c.put("tls/admin", v).stored());
            assertArrayEquals(v, c.get("tls/admin"));
        }
        assertArrayEquals(v, cluster.store(1).get("tls/admin"));
    }

    @Test
    void aClientWithoutACertificateIsRefused() {
        // Trusts the cluster's CA, so only the servers' demand for a client certificate can fail the handshake.
        ClientConfiguration noKey = new ClientConfiguration().setSslMode(SslMode.REQUIRED)
            .setSslContextFactory(() -> {
                try {
                    javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                    tmf.init(TlsDirectory.load(dir, TlsDirectory.TRUST_STORE));
                    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
                    ctx.init(null, tmf.getTrustManagers(), null);
                    return ctx;
                } catch (java.security.GeneralSecurityException e) {
                    throw new IllegalStateException(e);
                }
            })
            .setAddresses(cluster.thinClientAddress(0));
        refused(noKey);
    }

    @Test
    void aClientWithACertificateOfAnotherCaIsRefused() {
        refused(KvGridTls.clientConfiguration(foreign, "admin"));
    }

    @Test
    void aClientWithAnExpiredCertificateIsRefused() {
        Instant now = Instant.now();
        TlsDirectory.addClient(dir, TlsDirectory.authority(dir), "expired", ClientRole.ADMIN,
            now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        Path keys = TlsDirectory.keyStore(dir, "expired");
        refused(KvGridTls.unchecked(dir, keys));
        KvGridException early = assertThrows(KvGridException.class, () -> KvGridClient.connect(hosts, dir, "expired"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, early.code());
        assertEquals("client", early.argument());
        assertTrue(early.getMessage().contains("not valid now"), early.getMessage());
        assertTrue(KvGridClient.connect(hosts, dir, "admin").serverStats().size() == 2, "the cluster still serves");
    }

    @Test
    void aPlainTcpClientIsRefused() {
        KvGridException e = refused(new ClientConfiguration());
        assertTrue(e.getMessage().contains("--tls-dir"), "the error says how to connect: " + e.getMessage());
    }

    @Test
    void aNodeWithACertificateOfAnotherCaDoesNotJoin() {
        nodeDoesNotJoin(KvGridTls.applyToNode(cluster.nodeConfiguration("foreign-ca"), foreign, "node-0"));
    }

    @Test
    void aNodeKeyCannotConnectAsAThinClient() {
        // The servers refuse it at the TLS handshake; the client-side check says why at once.
        refused(KvGridTls.unchecked(dir, TlsDirectory.keyStore(dir, "node-1")));
        KvGridException early = assertThrows(KvGridException.class, () -> KvGridClient.connect(hosts, dir, "node-1"));
        assertEquals(ErrorCode.INVALID_ARGUMENT, early.code());
        assertEquals("client", early.argument());
        assertTrue(early.getMessage().contains("carries no kvgrid role (it is a node's)"), early.getMessage());
    }

    @Test
    void aClientKeyCannotJoinAsANode() {
        nodeDoesNotJoin(KvGridTls.applyToNode(cluster.nodeConfiguration("client-as-node"), dir, "admin"));
    }

    @Test
    void aReadClientReadsButItsPutIsForbiddenAndStoresNothing() {
        byte[] v = Payload.of("tls/for-reader", 10_000);
        cluster.store(0).put("tls/for-reader", v);
        try (KvGridClient c = KvGridClient.connect(hosts, dir, "reader")) {
            assertArrayEquals(v, c.get("tls/for-reader"));
            // Its reads move to the primary's block channel, over TLS with its own certificate.
            org.awaitility.Awaitility.await("a thin read over the TLS channel").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    double before = channelReads();
                    assertArrayEquals(v, c.get("tls/for-reader"));
                    assertEquals(1, channelReads() - before, 0.0);
                });
            KvGridException e = assertThrows(KvGridException.class, () -> c.put("tls/by-reader", new byte[100]));
            assertEquals(ErrorCode.FORBIDDEN, e.code());
            assertEquals("put", e.argument());
            KvGridException rm = assertThrows(KvGridException.class, () -> c.remove("tls/for-reader"));
            assertEquals(ErrorCode.FORBIDDEN, rm.code());
        }
        assertFalse(cluster.store(1).exists("tls/by-reader"));
        assertArrayEquals(v, cluster.store(1).get("tls/for-reader"));
    }

    @Test
    void aWriteClientPutsAndRemovesButCannotRemoveByRegex() {
        byte[] v = Payload.of("tls/w-1", 20_000);
        try (KvGridClient c = KvGridClient.connect(hosts, dir, "writer")) {
            assertTrue(c.put("tls/w-1", v).stored());
            assertTrue(c.put("tls/w-2", v).stored());
            KvGridException e = assertThrows(KvGridException.class, () -> c.removeByRegex("tls/w-.*", true));
            assertEquals(ErrorCode.FORBIDDEN, e.code());
            assertEquals("removeByRegex", e.argument());
            assertTrue(c.exists("tls/w-2"), "a refused removeByRegex removes nothing");
            c.remove("tls/w-1");
            assertFalse(c.exists("tls/w-1"));
        }
        assertArrayEquals(v, cluster.store(0).get("tls/w-2"));
    }

    @Test
    void theSqlFunctionsApplyTheRoleInLazyAndEagerQueries() {
        for (boolean lazy : new boolean[] {true, false}) {
            String key = "tls/sql-" + lazy;
            assertTrue(sql("reader", lazy, "SELECT KVGRID_PUT(?, ?)", key, new byte[10]).contains("FORBIDDEN [kvgrid_put]"));
            assertFalse(cluster.store(0).exists(key), "a refused put stores nothing");
            assertEquals("true", sql("writer", lazy, "SELECT KVGRID_PUT(?, ?)", key, new byte[] {7}));
            assertEquals("1", sql("reader", lazy, "SELECT KVGRID_SIZE(?)", key));
            assertArrayEquals(new byte[] {7}, cluster.store(1).get(key));
        }
    }

    /** The first value of the query's first row as text, or the error's message. */
    private static String sql(String client, boolean lazy, String query, Object... args) {
        try (IgniteClient raw = Ignition.startClient(KvGridTls.clientConfiguration(dir, client)
            .setAddresses(cluster.thinClientAddress(0)))) {
            var q = new org.apache.ignite.cache.query.SqlFieldsQuery(query).setSchema("KVGRID").setLazy(lazy)
                .setArgs(args);
            return String.valueOf(raw.query(q).getAll().get(0).get(0));
        } catch (org.apache.ignite.client.ClientException e) {
            return String.valueOf(e.getMessage());
        }
    }

    @Test
    void noRoleCanClearOrDestroyAKvgridCache() {
        byte[] v = Payload.of("tls/kept", 5_000);
        cluster.store(0).put("tls/kept", v);
        for (String client : new String[] {"admin", "writer", "reader"}) {
            try (IgniteClient raw = Ignition.startClient(KvGridTls.clientConfiguration(dir, client)
                .setAddresses(cluster.thinClientAddress(0)))) {
                for (String cache : new String[] {"kvgrid-meta", "kvgrid-data-r2"}) {
                    // clear runs as a job on every node, where the refusal surfaces as the job's failure
                    assertThrows(Exception.class, () -> raw.cache(cache).clear(), client + " " + cache);
                    Exception e = assertThrows(Exception.class, () -> raw.destroyCache(cache), client + " " + cache);
                    boolean authz = false;
                    for (Throwable t = e; t != null; t = t.getCause())
                        authz |= t instanceof ClientAuthorizationException;
                    assertTrue(authz, client + " destroy " + cache + ": " + e);
                }
            }
        }
        assertArrayEquals(v, cluster.store(1).get("tls/kept"));
        assertTrue(cluster.node(0).ignite().cacheNames().contains("kvgrid-data-r2"));
    }

    /**
     * That a client of {@code cfg} (addresses: the cluster's, unless it names some) cannot connect. The servers refuse
     * at the TLS handshake, and Ignite's thin client does not always notice before its timeout (a node's key waited
     * out 60 s in two of three full runs): a refusal is given 5 s.
     */
    private static KvGridException refused(ClientConfiguration cfg) {
        if (cfg.getAddresses() == null)
            cfg.setAddresses(hosts.split(","));
        cfg.setTimeout(5_000);
        KvGridException e = assertThrows(KvGridException.class, () -> KvGridClient.connect(cfg).close());
        assertEquals(ErrorCode.NODE_UNAVAILABLE, e.code(), e.getMessage());
        assertEquals("hosts", e.argument());
        return e;
    }

    @Test
    void theBlockChannelServesANodeOverTlsAndAPlainConnectionGetsNothing() throws Exception {
        IgniteConfiguration cfg = KvGridTls.applyToNode(cluster.nodeConfiguration("tls-channel-client"), dir, "node-0");
        try (KvGridNode client = io.kvgrid.KvGrid.start(cfg.setClientMode(true))) {
            String k = "tls/channel";
            client.store().put(k, Payload.of(k, 200_000));
            org.awaitility.Awaitility.await("a read over the TLS channel").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> {
                    double before = channelReads();
                    assertArrayEquals(Payload.of(k, 200_000), client.store().get(k));
                    assertEquals(1, channelReads() - before, 0.0);
                });
        }
        int port = (Integer) cluster.node(0).ignite().cluster().localNode()
            .attribute(io.kvgrid.grid.BlockChannelServer.PORT_ATTRIBUTE);
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            int first;
            try {
                java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
                out.writeInt(0x4B564731); // the channel's HELLO, in plain text
                out.writeByte(1);
                out.writeLong(0);
                out.writeLong(0);
                out.flush();
                first = s.getInputStream().read();
            } catch (java.io.IOException e) {
                first = -1; // reset or closed by the TLS server, while writing or reading
            }
            assertNotEquals(0, first, "no OK for a connection without TLS");
        }
    }

    private static double channelReads() {
        double n = 0;
        for (io.micrometer.core.instrument.Timer t : registry.find("kvgrid.service.calls")
            .tag("method", "channel-get").timers())
            n += t.count();
        return n;
    }

    /** Either the node fails to start, or it starts alone: the cluster never sees it. */
    private static void nodeDoesNotJoin(IgniteConfiguration cfg) {
        cfg.setConsistentId(cfg.getIgniteInstanceName());
        ((org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi) cfg.getDiscoverySpi()).setJoinTimeout(10_000);
        try (KvGridNode n = io.kvgrid.KvGrid.start(cfg)) {
            assertEquals(1, n.ignite().cluster().nodes().size(), "the foreign node formed no cluster with ours");
        } catch (RuntimeException expected) {
            // refused at the TLS handshake
        }
        assertEquals(2, cluster.node(0).ignite().cluster().nodes().size());
    }
}
