package io.kvgrid.examples;

import io.kvgrid.BlockStore;
import io.kvgrid.KvGrid;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.testing.Payload;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;
import java.time.Duration;

@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NodeCommandTest {
    private static String springXml(String name, int port, Path work, boolean withPlugin) {
        String plugin = !withPlugin ? "" : """
                <property name="pluginProviders">
                  <list>
                    <bean class="io.kvgrid.KvGridPluginProvider">
                      <constructor-arg>
                        <bean class="io.kvgrid.KvGridConfiguration">
                          <property name="dataRegionBytes" value="33554432"/>
                          <property name="metaRegionBytes" value="33554432"/>
                          <property name="partitions" value="32"/>
                        </bean>
                      </constructor-arg>
                    </bean>
                  </list>
                </property>
            """;
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
            %s  </bean>
            </beans>
            """.formatted(name, work, port, port, port + 9, plugin);
    }

    private static void runNodeAndUseIt(Path dir, boolean withPlugin) throws Exception {
        int port = LocalCluster.freePortRange();
        String name = "node-test-" + port;
        Path xml = dir.resolve("node.xml");
        Files.writeString(xml, springXml(name, port, dir.resolve("work"), withPlugin));
        CountDownLatch stop = new CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> code = ex.submit(() -> NodeCommand.run(new String[] {"--config", xml.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err, stop));
            Ignite ignite = awaitNode(name, code, out);
            BlockStore store = KvGrid.store(ignite);
            byte[] v = Payload.of("node-blk", 70_000);
            assertTrue(store.put("node-blk", v).stored());
            assertArrayEquals(v, store.get("node-blk"));

            // The announced thin-client address is this node's: a thin client there finds the block.
            Matcher m = Pattern.compile("kvgrid node \\S+ serving thin clients on (127\\.0\\.0\\.1:(\\d+))\\n")
                .matcher(out.toString(StandardCharsets.UTF_8));
            assertTrue(m.find(), out.toString(StandardCharsets.UTF_8));
            assertEquals(ignite.cluster().localNode().attribute("clientListenerPort"), Integer.valueOf(m.group(2)));
            try (KvGridClient client = KvGridClient.connect(m.group(1))) {
                assertArrayEquals(v, client.get("node-blk"));
            }
            Matcher channel = Pattern.compile("kvgrid node \\S+ serving block reads on 127\\.0\\.0\\.1:(\\d+)\\n")
                .matcher(out.toString(StandardCharsets.UTF_8));
            assertTrue(channel.find(), out.toString(StandardCharsets.UTF_8));
            assertEquals(ignite.cluster().localNode().attribute(io.kvgrid.grid.BlockChannelServer.PORT_ATTRIBUTE),
                Integer.valueOf(channel.group(1)));

            stop.countDown();
            assertEquals(0, code.get(30, TimeUnit.SECONDS));
            assertTrue(Ignition.allGrids().stream().noneMatch(g -> g.name().equals(name)), "the node has stopped");
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("started: 1 server node(s)"), printed);
            assertTrue(printed.contains("stopping"), printed);
        } finally {
            stop.countDown();
            ex.shutdownNow();
        }
    }

    /** The node once the command has announced it: by then the node and its kvgrid store have started. */
    private static Ignite awaitNode(String name, Future<Integer> code, ByteArrayOutputStream out) {
        await("node " + name + " to start").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> {
                assertFalse(code.isDone(), () -> "the node command ended early: " + get(code));
                return out.toString(StandardCharsets.UTF_8).contains("started");
            });
        return Ignition.ignite(name);
    }

    private static Object get(Future<Integer> f) {
        try {
            return f.get();
        } catch (Exception e) {
            return e;
        }
    }

    @Test
    void aNodeFromASpringXmlFileServesBlocksUntilItIsToldToStop(@TempDir Path dir) throws Exception {
        runNodeAndUseIt(dir, true);
    }

    @Test
    void aSpringXmlFileWithoutTheKvgridPluginGetsItWithDefaultSettings(@TempDir Path dir) throws Exception {
        runNodeAndUseIt(dir, false);
    }

    @Test
    void aMissingConfigFileIsAUsageError() {
        Traces.Run run = Traces.cli("node", "--config", "/nonexistent/node.xml");
        assertEquals(2, run.code());
        assertTrue(run.err().contains("kvgrid node: --config: no such file /nonexistent/node.xml"), run.err());
    }
}
