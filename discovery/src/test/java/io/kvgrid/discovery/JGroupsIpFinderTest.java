package io.kvgrid.discovery;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.kvgrid.discovery.Polling.eventually;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(600)
class JGroupsIpFinderTest {
    private final int base = io.kvgrid.testing.LoopbackPorts.freeRange(3, 100);
    private final List<JGroupsIpFinder> finders = new ArrayList<>();

    private JGroupsIpFinder member(int i) {
        JGroupsIpFinder f = new JGroupsIpFinder()
            .setClusterName("finder-test-" + base)
            .setBindPort(base + i)
            .setPortRange(0)
            .setInitialHosts(List.of("127.0.0.1[" + base + "]", "127.0.0.1[" + (base + 1) + "]",
                "127.0.0.1:" + (base + 2)))
            .setJoinTimeoutMillis(500);
        finders.add(f);
        return f;
    }

    private static InetSocketAddress ignite(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @AfterEach
    void closeAll() {
        finders.forEach(JGroupsIpFinder::close);
    }

    @Test
    void aMemberThatJoinsLaterSeesEverythingPublishedBeforeWithoutWaiting() {
        JGroupsIpFinder a = member(0);
        a.initializeLocalAddresses(List.of(ignite(41001)));
        JGroupsIpFinder b = member(1);
        assertEquals(Set.of(ignite(41001)), Set.copyOf(b.getRegisteredAddresses()));
        b.initializeLocalAddresses(List.of(ignite(41002), ignite(41012)));
        // registration returns once every member applied it
        assertEquals(Set.of(ignite(41001), ignite(41002), ignite(41012)), Set.copyOf(a.getRegisteredAddresses()));
        assertTrue(a.isShared());
        assertEquals(2, a.memberCount());
    }

    @Test
    void theAddressesOfAMemberThatLeavesDropOutEverywhere() {
        JGroupsIpFinder a = member(0);
        JGroupsIpFinder b = member(1);
        JGroupsIpFinder c = member(2);
        a.initializeLocalAddresses(List.of(ignite(41001)));
        b.initializeLocalAddresses(List.of(ignite(41002)));
        c.initializeLocalAddresses(List.of(ignite(41003)));
        for (JGroupsIpFinder f : List.of(a, b, c))
            assertEquals(Set.of(ignite(41001), ignite(41002), ignite(41003)), Set.copyOf(f.getRegisteredAddresses()));

        c.close();
        assertFalse(c.isConnected());
        eventually(Duration.ofSeconds(15), "c's address dropped at a and b",
            () -> Set.copyOf(a.getRegisteredAddresses()).equals(Set.of(ignite(41001), ignite(41002)))
                && Set.copyOf(b.getRegisteredAddresses()).equals(Set.of(ignite(41001), ignite(41002))));
    }

    @Test
    void addressesThatAnotherMemberPublishesAreNotCopiedSoTheyLeaveWithIt() {
        JGroupsIpFinder a = member(0);
        JGroupsIpFinder b = member(1);
        a.initializeLocalAddresses(List.of(ignite(41001)));
        b.initializeLocalAddresses(List.of(ignite(41002)));
        // Ignite's coordinator registers each joining node's addresses; one nobody publishes is kept
        b.registerAddresses(List.of(ignite(41001), ignite(41077)));
        assertEquals(Set.of(ignite(41001), ignite(41002), ignite(41077)), Set.copyOf(a.getRegisteredAddresses()));

        a.close();
        eventually(Duration.ofSeconds(15), "a's address dropped at b",
            () -> Set.copyOf(b.getRegisteredAddresses()).equals(Set.of(ignite(41002), ignite(41077))));
    }

    @Test
    void aClosedFinderReportsNothingUntilANodeStartsWithItAgain() {
        JGroupsIpFinder a = member(0);
        JGroupsIpFinder b = member(1);
        a.initializeLocalAddresses(List.of(ignite(41001)));
        b.initializeLocalAddresses(List.of(ignite(41002)));
        b.close();
        b.registerAddresses(List.of(ignite(41003)));     // a stopping node's late call: ignored
        assertEquals(List.of(), List.copyOf(b.getRegisteredAddresses()));
        assertFalse(b.isConnected());

        b.initializeLocalAddresses(List.of(ignite(41004)));
        assertTrue(b.isConnected());
        assertEquals(Set.of(ignite(41001), ignite(41004)), Set.copyOf(b.getRegisteredAddresses()));
        eventually(Duration.ofSeconds(15), "a sees b's new address only",
            () -> Set.copyOf(a.getRegisteredAddresses()).equals(Set.of(ignite(41001), ignite(41004))));
    }

    @Test
    void unregisteredAddressesDisappearFromEveryMemberIncludingTheirOwner() {
        JGroupsIpFinder a = member(0);
        JGroupsIpFinder b = member(1);
        a.initializeLocalAddresses(List.of(ignite(41001), ignite(41011)));
        b.initializeLocalAddresses(List.of(ignite(41002)));
        b.unregisterAddresses(List.of(ignite(41011)));   // as Ignite's cleaner does for an unreachable address
        assertEquals(Set.of(ignite(41001), ignite(41002)), Set.copyOf(a.getRegisteredAddresses()));
        assertEquals(Set.of(ignite(41001), ignite(41002)), Set.copyOf(b.getRegisteredAddresses()));
    }

    @Test
    void membersOfAnotherJGroupsClusterAreNotSeen() {
        JGroupsIpFinder a = member(0);
        JGroupsIpFinder other = member(1).setClusterName("another-" + base);
        a.initializeLocalAddresses(List.of(ignite(41001)));
        other.initializeLocalAddresses(List.of(ignite(41002)));
        assertEquals(Set.of(ignite(41001)), Set.copyOf(a.getRegisteredAddresses()));
        assertEquals(Set.of(ignite(41002)), Set.copyOf(other.getRegisteredAddresses()));
    }

    @Test
    void badSettingsAreRejectedByNameAndChangeNothing() {
        JGroupsIpFinder f = new JGroupsIpFinder();
        rejects("clusterName", () -> f.setClusterName(""));
        rejects("clusterName", () -> f.setClusterName("has space"));
        rejects("bindAddress", () -> f.setBindAddress("no-such-host.invalid"));
        rejects("bindAddress", () -> f.setBindAddress("192.0.2.77"));   // TEST-NET-1, never local
        rejects("bindPort", () -> f.setBindPort(0));
        rejects("bindPort", () -> f.setBindPort(70_000));
        rejects("bindPort", () -> f.setBindPort(65_530));   // + default portRange 10 > 65535
        rejects("portRange", () -> f.setPortRange(-1));
        rejects("initialHosts", () -> f.setInitialHosts(List.of("127.0.0.1[notaport]")));
        rejects("initialHosts", () -> f.setInitialHosts(List.of("127.0.0.1[99999]")));
        rejects("initialHosts", () -> f.setInitialHosts(null));
        rejects("joinTimeoutMillis", () -> f.setJoinTimeoutMillis(0));
        rejects("syncTimeoutMillis", () -> f.setSyncTimeoutMillis(-5));

        assertEquals(JGroupsIpFinder.DEFAULT_CLUSTER_NAME, f.getClusterName());
        assertEquals("127.0.0.1", f.getBindAddress());
        assertEquals(JGroupsIpFinder.DEFAULT_BIND_PORT, f.getBindPort());
        assertEquals(10, f.getPortRange());
        assertEquals(List.of(), f.getInitialHosts());
        assertFalse(f.isConnected());
    }

    @Test
    void initialHostsMayComeCommaSeparatedFromOnePlaceholder() {
        JGroupsIpFinder f = new JGroupsIpFinder().setInitialHosts(List.of("127.0.0.1[7800], localhost:7801", "h3"));
        assertEquals(List.of("127.0.0.1[7800]", "localhost:7801", "h3"), f.getInitialHosts());
    }

    @Test
    void settingsCannotChangeWhileTheChannelIsUp() {
        JGroupsIpFinder a = member(0);
        a.getRegisteredAddresses();
        rejects("bindPort", () -> a.setBindPort(base + 1));
        assertEquals(base, a.getBindPort());
    }

    private static void rejects(String property, Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call, property);
        assertEquals(ErrorCode.INVALID_CONFIG, e.code());
        assertEquals(property, e.argument());
    }
}
