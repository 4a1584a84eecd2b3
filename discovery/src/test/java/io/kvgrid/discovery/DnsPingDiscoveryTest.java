package io.kvgrid.discovery;

import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.Payload;
import org.jgroups.protocols.dns.DNS_PING;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shipped DNS_PING stack. No DNS server is at hand, so the names looked up are ones the system resolver answers
 * from the hosts file ({@code localhost}) or literal addresses: real lookups, with real answers, on 127.0.0.0/8 only.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DnsPingDiscoveryTest {
    @TempDir
    Path tmp;
    private final int jgroupsPort = LoopbackPorts.freeRange(3, 100, 101, 102, 103);
    private final List<AutoCloseable> open = new ArrayList<>();

    private Map<String, String> stackProperties(String query) {
        Map<String, String> m = new HashMap<>();
        m.put("kvgrid.jgroups.dns.query", query);
        m.put("kvgrid.jgroups.port", Integer.toString(jgroupsPort));
        m.put("kvgrid.jgroups.port.range", "2");
        m.put("kvgrid.jgroups.join.timeout.millis", "500");
        return m;
    }

    private StackNodes nodes(String query) {
        StackNodes n = new StackNodes("kvgrid-stack-dns.xml", stackProperties(query), tmp.resolve("work"));
        open.add(n);
        return n;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--)
            open.get(i).close();
    }

    private static void assumeLocalhostIsLoopbackOnly() throws Exception {
        InetAddress[] all = InetAddress.getAllByName("localhost");
        assumeTrue(Arrays.stream(all).allMatch(a -> a.getHostAddress().equals("127.0.0.1")),
            "needs 'localhost' to resolve to 127.0.0.1 only, it resolves to " + Arrays.toString(all));
    }

    @Test
    void theShippedStackRunsDnsPingWithTheConfiguredQueryAndRecordType() throws Exception {
        assumeLocalhostIsLoopbackOnly();
        JGroupsIpFinder f = nodes("localhost").finder();
        f.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41001)));
        DNS_PING ping = f.protocolStack().findProtocol(DNS_PING.class);
        assertNotNull(ping, "the running stack has DNS_PING");
        assertEquals("localhost", ping.getValue("dns_query"));
        assertEquals("A", ping.getValue("dns_record_type"));
        String answer = ping.fetchFromDns();   // the lookup DNS_PING itself runs when it looks for members
        assertTrue(answer.startsWith("[127.0.0.1"), answer);
    }

    @Test
    void twoNodesFindEachOtherAtTheAddressTheirDnsNameResolvesTo() throws Exception {
        assumeLocalhostIsLoopbackOnly();
        StackNodes nodes = nodes("localhost");
        KvGridNode a = nodes.start(0);
        KvGridNode b = nodes.start(1);
        assertEquals("22", nodes.sizes());
        assertEquals(2, nodes.finder(1).memberCount());
        byte[] v = Payload.of("dns/blk-0", 100_000);
        assertTrue(b.store().put("dns/blk-0", v).stored());
        assertArrayEquals(v, a.store().get("dns/blk-0"));
    }

    @Test
    void membersWhoseQueryResolvesToAnotherAddressDoNotFindEachOther() {
        // 127.0.0.2 is loopback too, but nobody listens there: DNS_PING probes only what the query returns.
        StackNodes nodes = nodes("127.0.0.2");
        JGroupsIpFinder first = nodes.finder();
        JGroupsIpFinder second = nodes.finder();
        first.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41001)));
        second.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41002)));
        assertEquals(1, first.memberCount());
        assertEquals(1, second.memberCount());
        assertEquals(Set.of(new InetSocketAddress("127.0.0.1", 41002)), Set.copyOf(second.getRegisteredAddresses()));
    }
}
