package io.kvgrid.discovery;

import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackMulticast;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.Payload;
import org.jgroups.protocols.UDP;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kvgrid.discovery.Polling.eventually;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Ignite nodes that find each other by IP multicast (JGroups UDP + PING), with no address list. Multicast stays on
 * the loopback interface (TTL 0); where the machine does not carry it there, the tests are skipped, saying why.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MulticastDiscoveryTest {
    private static final String GROUP = "239.255.77.78";
    @TempDir
    Path tmp;
    private final int jgroupsPort = LoopbackPorts.freeRange(5, 100, 101, 102, 103);
    private final int mcastPort = LoopbackPorts.freeRange(1);
    private StackNodes nodes;

    @BeforeEach
    void multicastWorksOnLoopback() {
        String why = LoopbackMulticast.whyNot(GROUP, mcastPort);
        assumeTrue(why == null, () -> "skipped: " + why);
        nodes = new StackNodes("kvgrid-stack-udp.xml", Map.of(
            "kvgrid.jgroups.mcast.address", GROUP,
            "kvgrid.jgroups.mcast.port", Integer.toString(mcastPort),
            "kvgrid.jgroups.ip.ttl", "0",
            "kvgrid.jgroups.port", Integer.toString(jgroupsPort),
            "kvgrid.jgroups.port.range", "4",
            "kvgrid.jgroups.join.timeout.millis", "500"), tmp.resolve("work"));
    }

    @AfterEach
    void closeAll() {
        if (nodes != null)
            nodes.close();
    }

    @Test
    void threeNodesFindEachOtherByMulticastAndANodeThatLeftRejoins() {
        for (int i = 0; i < 3; i++)
            nodes.start(i);
        assertEquals("333", nodes.sizes());
        UDP udp = nodes.finder(0).protocolStack().findProtocol(UDP.class);
        assertEquals(GROUP, udp.getMulticastAddress().getHostAddress());
        assertEquals(mcastPort, udp.getMulticastPort());
        assertEquals(0, udp.getIpTTL());

        byte[] v = Payload.of("mc/blk-0", 150_000);
        assertTrue(nodes.node(1).store().put("mc/blk-0", v).stored());
        nodes.stop(1);
        eventually(Duration.ofSeconds(30), "two Ignite nodes left", () -> nodes.sizes().equals("22"));
        eventually(Duration.ofSeconds(30), "two JGroups members left", () -> nodes.finder(2).memberCount() == 2);
        assertArrayEquals(v, nodes.node(2).store().get("mc/blk-0"), "a copy survives on the nodes that stay");

        KvGridNode back = nodes.start(1);
        assertEquals("333", nodes.sizes());
        assertEquals(3, nodes.finder(1).memberCount());
        assertArrayEquals(v, back.store().get("mc/blk-0"), "the rejoined node reads what the cluster stored");
    }
}
