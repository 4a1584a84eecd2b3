package io.kvgrid.examples;

import io.kvgrid.client.KvGridClient;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node started by {@code kvgrid node} from Spring XML serves its meters at /metrics and its health at /health. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MetricsEndpointTest {
    private static final CountDownLatch STOP = new CountDownLatch(1);
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor();
    private static Future<Integer> code;
    private static String node;
    private static String thin;
    private static String metrics;

    @TempDir
    static Path dir;

    private static String springXml(String name, int port, int thinPort, int metricsPort, Path work) {
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <beans xmlns="http://www.springframework.org/schema/beans"
                   xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                   xsi:schemaLocation="http://www.springframework.org/schema/beans
                                       http://www.springframework.org/schema/beans/spring-beans.xsd">
              <bean class="org.apache.ignite.configuration.IgniteConfiguration">
                <property name="igniteInstanceName" value="%s"/>
                <property name="localHost" value="127.0.0.1"/>
                <property name="workDirectory" value="%s"/>
                <property name="gridLogger"><bean class="org.apache.ignite.logger.NullLogger"/></property>
                <property name="clientConnectorConfiguration">
                  <bean class="org.apache.ignite.configuration.ClientConnectorConfiguration">
                    <property name="host" value="127.0.0.1"/>
                    <property name="port" value="%d"/>
                  </bean>
                </property>
                <property name="discoverySpi">
                  <bean class="org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi">
                    <property name="localPort" value="%d"/>
                    <property name="localPortRange" value="10"/>
                    <property name="ipFinder">
                      <bean class="org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder">
                        <property name="addresses"><list><value>127.0.0.1:%d..%d</value></list></property>
                      </bean>
                    </property>
                  </bean>
                </property>
                <property name="pluginProviders">
                  <list>
                    <bean class="io.kvgrid.KvGridPluginProvider">
                      <constructor-arg>
                        <bean class="io.kvgrid.KvGridConfiguration">
                          <property name="dataRegionBytes" value="33554432"/>
                          <property name="metaRegionBytes" value="33554432"/>
                          <property name="partitions" value="32"/>
                          <property name="defaultReplicas" value="1"/>
                          <property name="metricsPort" value="%d"/>
                        </bean>
                      </constructor-arg>
                    </bean>
                  </list>
                </property>
              </bean>
            </beans>
            """.formatted(name, work, thinPort, port, port, port + 9, metricsPort);
    }

    @BeforeAll
    static void startNode() throws Exception {
        int port = LocalCluster.freePortRange();
        int thinPort = port;
        while (Math.abs(thinPort - port) < 10)
            thinPort = LocalCluster.freePortRange();
        int metricsPort = port;
        while (Math.abs(metricsPort - port) < 10 || metricsPort == thinPort)
            metricsPort = LocalCluster.freePortRange();
        String name = "metrics-test-" + port;
        Path xml = dir.resolve("node.xml");
        Files.writeString(xml, springXml(name, port, thinPort, metricsPort, dir.resolve("work")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        code = RUNNER.submit(() -> NodeCommand.run(new String[] {"--config", xml.toString(), "--log-level", "warn"},
            new PrintStream(out, true, StandardCharsets.UTF_8), System.err, STOP));
        Pattern started = Pattern.compile("kvgrid node (\\S+) serving thin clients on (\\S+)\\n"
            + "kvgrid node \\S+ serving metrics on (\\S+)\\n");
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> {
            assertFalse(code.isDone(), () -> "the node command ended early: " + out);
            return started.matcher(out.toString(StandardCharsets.UTF_8)).find();
        });
        Matcher m = started.matcher(out.toString(StandardCharsets.UTF_8));
        assertTrue(m.find());
        node = m.group(1);
        thin = m.group(2);
        metrics = m.group(3);
        assertEquals("http://127.0.0.1:" + metricsPort + "/metrics", metrics);
    }

    @AfterAll
    static void stopNode() throws Exception {
        STOP.countDown();
        try {
            assertEquals(0, code.get(60, TimeUnit.SECONDS));
        } finally {
            RUNNER.shutdownNow();
        }
    }

    @Test
    void theEndpointListsEveryKvgridMeterOfTheNode() throws Exception {
        Scrape s = Scrape.of(metrics);
        for (String name : List.of("cache_gets_total", "cache_puts_total", "cache_evictions_total", "cache_size",
            "kvgrid_tier_bytes", "kvgrid_tier_capacity_bytes", "kvgrid_operations_seconds_bucket",
            "kvgrid_operations_seconds_count", "kvgrid_leases_active", "kvgrid_pins", "kvgrid_spill_bytes_total",
            "kvgrid_promote_blocks_total", "kvgrid_verify_failures_total", "kvgrid_put_rejected_total",
            "kvgrid_region_fill", "kvgrid_region_high_watermark", "kvgrid_block_size_bytes_bucket",
            "kvgrid_service_calls_seconds_count", "kvgrid_put_phases_seconds_count", "kvgrid_eviction_scans_total",
            "kvgrid_eviction_scan_seconds", "kvgrid_eviction_candidates"))
            assertTrue(s.has(name), name + " in\n" + s.text());
        for (String op : List.of("put", "get", "batchGet", "lookupOnPrefixLength", "load", "dump"))
            s.sum("kvgrid_operations_seconds_count", "op", op, "node", node);
        for (String reason : List.of("watermark", "full", "remove"))
            s.sum("cache_evictions_total", "reason", reason, "node", node);
        for (String phase : List.of("reserve", "payload", "install"))
            s.sum("kvgrid_put_phases_seconds_count", "phase", phase, "node", node);
        assertEquals(0.9, s.sum("kvgrid_region_high_watermark", "node", node), 1e-9);
        assertTrue(s.sum("kvgrid_tier_capacity_bytes", "tier", "memory", "node", node) > 0);
        assertTrue(s.sum("kvgrid_block_size_bytes_bucket", "le", "65536.0") >= 0, "Mooncake's size buckets");
    }

    @Test
    void aPutAndAGetThroughAThinClientMoveTheCountersByExactlyOne() throws Exception {
        try (KvGridClient client = KvGridClient.connect(thin)) {
            byte[] v = Payload.of("metrics/one", 70_000);
            Scrape before = Scrape.of(metrics);
            assertTrue(client.put("metrics/one", v).stored());
            Scrape afterPut = Scrape.of(metrics);
            assertEquals(1, delta(before, afterPut, "cache_puts_total", "node", node));
            assertEquals(1, delta(before, afterPut, "kvgrid_operations_seconds_count", "op", "put", "node", node));
            assertEquals(1, delta(before, afterPut, "kvgrid_block_size_bytes_count", "node", node));
            assertEquals(1, delta(before, afterPut, "kvgrid_block_size_bytes_bucket", "le", "262144.0"),
                "a 70 000-byte block falls in the 256 KiB bucket (cumulative)");
            assertEquals(0, delta(before, afterPut, "kvgrid_block_size_bytes_bucket", "le", "65536.0"));
            assertEquals(0, delta(before, afterPut, "cache_gets_total", "node", node));
            // One request: a service call, or a channel put once the client's connection to the node is open.
            assertEquals(1, delta(before, afterPut, "kvgrid_service_calls_seconds_count", "method", "put")
                + delta(before, afterPut, "kvgrid_service_calls_seconds_count", "method", "channel-put"),
                "the thin client's put was one request");

            assertArrayEquals(v, client.get("metrics/one"));
            Scrape afterGet = Scrape.of(metrics);
            assertEquals(1, delta(afterPut, afterGet, "cache_gets_total", "result", "hit", "tier", "memory"));
            assertEquals(0, delta(afterPut, afterGet, "cache_gets_total", "result", "miss"));
            assertEquals(0, delta(afterPut, afterGet, "cache_puts_total", "node", node));
            assertEquals(1, delta(afterPut, afterGet, "kvgrid_service_calls_seconds_count", "method", "get")
                + delta(afterPut, afterGet, "kvgrid_service_calls_seconds_count", "method", "channel-get"),
                "the thin client's get was one request (a service call, or a channel read)");
            assertEquals(0, delta(afterPut, afterGet, "kvgrid_service_calls_seconds_count", "method", "put")
                + delta(afterPut, afterGet, "kvgrid_service_calls_seconds_count", "method", "channel-put"));

            assertThrows(io.kvgrid.KvGridException.class, () -> client.get("metrics/absent"));
            Scrape afterMiss = Scrape.of(metrics);
            assertEquals(1, delta(afterGet, afterMiss, "cache_gets_total", "result", "miss", "node", node));
            assertEquals(0, delta(afterGet, afterMiss, "cache_gets_total", "result", "hit"));

            assertFalse(client.put("metrics/one", v).stored(), "write-once: the block exists");
            Scrape afterExisting = Scrape.of(metrics);
            assertEquals(0, delta(afterMiss, afterExisting, "cache_puts_total", "node", node));
        }
    }

    @Test
    void healthIsUpWithTheTiersOfTheNode() throws Exception {
        HttpResponse<String> r = Scrape.get(metrics.replace("/metrics", "/health"));
        assertEquals(200, r.statusCode(), r.body());
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) Json.parse(r.body().strip());
        assertEquals("UP", body.get("status"));
        assertEquals(node, body.get("node"));
        @SuppressWarnings("unchecked")
        Map<String, Object> memory = (Map<String, Object>) ((Map<String, Object>) body.get("tiers")).get("memory");
        assertEquals(true, memory.get("writable"));
        assertTrue((Long) memory.get("capacityBytes") > 0, r.body());
    }

    @Test
    void statsAndTheEndpointAgreeOnBlocksAndEvictions() throws Exception {
        try (KvGridClient client = KvGridClient.connect(thin)) {
            // 60 blocks of 1 MiB into a 32 MiB region: the node evicts.
            for (int i = 0; i < 60; i++)
                client.put("metrics/fill-" + i, Payload.of("metrics/fill-" + i, 1 << 20));
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            Traces.Run stats = Traces.cli("stats", "--connect", thin, "--json");
            assertEquals(0, stats.code(), stats.err());
            Map<String, Object> m = stats.json();
            Scrape s = Scrape.of(metrics);
            assertEquals(node, m.get("node"));
            assertTrue((Long) m.get("evictions") > 0, "the node evicted: " + m);
            assertEquals((double) (Long) m.get("blocks"), s.sum("cache_size", "tier", "memory", "node", node));
            assertEquals((double) (Long) m.get("evictions"), s.sum("cache_evictions_total", "reason", "watermark",
                "node", node) + s.sum("cache_evictions_total", "reason", "full", "node", node));
            assertEquals((double) (Long) m.get("bytesUsed"), s.sum("kvgrid_tier_bytes", "tier", "memory", "node",
                node));
        });
    }

    private static double delta(Scrape before, Scrape after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }
}
