package io.kvgrid.discovery;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.testing.LoopbackPorts;
import org.jgroups.protocols.FILE_PING;
import org.jgroups.protocols.TCP;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** Choosing a JGroups XML stack: where it is found, how its placeholders are filled, what is rejected and why. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StackSettingsTest {
    @TempDir
    Path tmp;
    private final int port = LoopbackPorts.freeRange(3, 100, 101, 102, 103);
    private final List<JGroupsIpFinder> finders = new ArrayList<>();

    private JGroupsIpFinder finder() {
        JGroupsIpFinder f = new JGroupsIpFinder().setClusterName("settings-" + port);
        finders.add(f);
        return f;
    }

    @AfterEach
    void closeAll() {
        finders.forEach(JGroupsIpFinder::close);
    }

    @ParameterizedTest
    @ValueSource(strings = {"kvgrid-stack-tcpping.xml", "kvgrid-stack-udp.xml", "kvgrid-stack-file.xml",
        "kvgrid-stack-dns.xml", "classpath:kvgrid-stack-file.xml"})
    void everyShippedStackIsFoundOnTheClasspathAndPassesTheChecks(String stack) {
        assertEquals(stack, new JGroupsIpFinder().setStack(stack).getStack());
    }

    @Test
    void aStackFileOnDiskIsFoundByItsPath() throws Exception {
        Path copy = tmp.resolve("my-stack.xml");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("kvgrid-stack-file.xml")) {
            Files.copy(in, copy);
        }
        assertEquals(copy.toString(), new JGroupsIpFinder().setStack(copy.toString()).getStack());
        assertEquals(copy.toUri().toString(), new JGroupsIpFinder().setStack(copy.toUri().toString()).getStack());
    }

    @Test
    void stackPropertiesComeBeforeSystemPropertiesWhichComeBeforeTheStacksDefaults() {
        Path fromSystem = tmp.resolve("from-system");
        Path fromFinder = tmp.resolve("from-finder");
        String portText = Integer.toString(port);
        System.setProperty("kvgrid.jgroups.file.location", fromSystem.toString());
        try {
            JGroupsIpFinder bySystem = finder().setStack("kvgrid-stack-file.xml")
                .setStackProperties(Map.of("kvgrid.jgroups.port", portText, "kvgrid.jgroups.port.range", "2",
                    "kvgrid.jgroups.file.location", ""));   // empty: not set here
            JGroupsIpFinder byFinder = finder().setStack("kvgrid-stack-file.xml")
                .setStackProperties(Map.of("kvgrid.jgroups.port", portText, "kvgrid.jgroups.port.range", "2",
                    "kvgrid.jgroups.file.location", fromFinder.toString()));
            bySystem.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41001)));
            byFinder.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41002)));
            assertEquals(fromSystem.toString(), bySystem.protocolStack().<FILE_PING>findProtocol(FILE_PING.class)
                .getLocation());
            assertEquals(fromFinder.toString(), byFinder.protocolStack().<FILE_PING>findProtocol(FILE_PING.class)
                .getLocation());
            assertTrue(Files.isDirectory(fromFinder.resolve("settings-" + port)), "FILE_PING works in that directory");
            TCP tcp = byFinder.protocolStack().findProtocol(TCP.class);
            assertEquals("127.0.0.1", tcp.getBindAddress().getHostAddress(), "the stack's default bind address");
            assertEquals(port, tcp.getBindPort(), "bind port from stackProperties");
        } finally {
            System.clearProperty("kvgrid.jgroups.file.location");
        }
    }

    @Test
    void theTcppingStackFindsMembersThroughInitialHostsGivenAsAStackProperty() {
        Map<String, String> props = Map.of("kvgrid.jgroups.port", Integer.toString(port),
            "kvgrid.jgroups.port.range", "2", "kvgrid.jgroups.initial.hosts", "127.0.0.1[" + port + "]",
            "kvgrid.jgroups.join.timeout.millis", "500");
        JGroupsIpFinder a = finder().setStack("kvgrid-stack-tcpping.xml").setStackProperties(props);
        JGroupsIpFinder b = finder().setStack("kvgrid-stack-tcpping.xml").setStackProperties(props);
        a.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41001)));
        b.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41002)));
        assertEquals(Set.of(new InetSocketAddress("127.0.0.1", 41001), new InetSocketAddress("127.0.0.1", 41002)),
            Set.copyOf(a.getRegisteredAddresses()));
        assertEquals(2, b.memberCount());
    }

    @Test
    void aMissingUnreadableOrWrongStackIsRejectedNamingTheSetting() throws Exception {
        JGroupsIpFinder f = new JGroupsIpFinder();
        assertContains("no-such-stack.xml", rejects("stack", () -> f.setStack("no-such-stack.xml")));
        rejects("stack", () -> f.setStack(" "));
        Path broken = Files.writeString(tmp.resolve("broken.xml"), "<config><TCP bind_port=");
        rejects("stack", () -> f.setStack(broken.toString()));
        Path typo = stack("typo.xml", "<TCP bind_addr=\"127.0.0.1\"/><FILE_PING locaton=\"/tmp/x\"/><pbcast.GMS/>");
        assertContains("locaton", rejects("stack", () -> f.setStack(typo.toString())));
        Path unknown = stack("unknown.xml", "<TCP bind_addr=\"127.0.0.1\"/><NO_SUCH_PING/><pbcast.GMS/>");
        assertContains("NO_SUCH_PING", rejects("stack", () -> f.setStack(unknown.toString())));
        Path noDiscovery = stack("no-discovery.xml", "<TCP bind_addr=\"127.0.0.1\"/><pbcast.NAKACK2/><UNICAST3/>"
            + "<pbcast.STABLE/><pbcast.GMS/>");
        assertContains("FIND_INITIAL_MBRS", rejects("stack", () -> f.setStack(noDiscovery.toString())));
        Path bare = stack("bare.xml", "<TCP bind_addr=\"127.0.0.1\"/><UNICAST3/>");
        assertContains("no discovery protocol", rejects("stack", () -> f.setStack(bare.toString())));
        assertNull(f.getStack(), "nothing changed");
    }

    @Test
    void aPlaceholderValueTheStackCannotUseIsRejectedNamingStackProperties() {
        JGroupsIpFinder f = new JGroupsIpFinder().setStack("kvgrid-stack-file.xml");
        String msg = rejects("stackProperties", () -> f.setStackProperties(Map.of("kvgrid.jgroups.port", "many")));
        assertContains("many", msg);
        rejects("stackProperties", () -> f.setStackProperties(null));
        assertEquals(Map.of(), f.getStackProperties(), "nothing changed");
    }

    @Test
    void theBuiltInStacksSettingsConflictWithAStackFileEitherWayRound() {
        JGroupsIpFinder tcp = new JGroupsIpFinder().setBindPort(7900).setInitialHosts(List.of("127.0.0.1[7900]"));
        String msg = rejects("stack", () -> tcp.setStack("kvgrid-stack-file.xml"));
        assertTrue(msg.contains("bindPort") && msg.contains("initialHosts"), msg);
        assertNull(tcp.getStack());

        JGroupsIpFinder file = new JGroupsIpFinder().setStack("kvgrid-stack-file.xml");
        rejects("bindAddress", () -> file.setBindAddress("127.0.0.1"));
        rejects("joinTimeoutMillis", () -> file.setJoinTimeoutMillis(500));
        assertEquals(JGroupsIpFinder.DEFAULT_BIND_PORT, file.getBindPort());
        // the settings that are not the stack's still apply
        assertEquals("other", file.setClusterName("other").setSyncTimeoutMillis(1_000).getClusterName());
    }

    private static void assertContains(String part, String message) {
        assertTrue(message.contains(part), "'" + part + "' in: " + message);
    }

    private Path stack(String name, String protocols) throws Exception {
        return Files.writeString(tmp.resolve(name), "<config xmlns=\"urn:org:jgroups\">" + protocols + "</config>");
    }

    private static String rejects(String property, Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call, property);
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals(property, e.argument(), e.getMessage());
        return e.getMessage();
    }
}
