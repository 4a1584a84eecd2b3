package io.kvgrid.discovery;

import io.kvgrid.KvGridNode;
import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.kvgrid.discovery.Polling.eventually;
import static org.junit.jupiter.api.Assertions.*;

/** Ignite nodes that find each other through files in a shared directory (JGroups FILE_PING), with no address list. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FilePingDiscoveryTest {
    @TempDir
    Path tmp;
    private final int jgroupsPort = LoopbackPorts.freeRange(5, 100, 101, 102, 103);
    private final List<AutoCloseable> open = new ArrayList<>();

    private Map<String, String> stackProperties(Path dir) {
        return Map.of("kvgrid.jgroups.file.location", dir.toString(),
            "kvgrid.jgroups.port", Integer.toString(jgroupsPort),
            "kvgrid.jgroups.port.range", "4",
            "kvgrid.jgroups.join.timeout.millis", "500");
    }

    private StackNodes nodes(Path dir) {
        StackNodes n = new StackNodes("kvgrid-stack-file.xml", stackProperties(dir), tmp.resolve("work"));
        open.add(n);
        return n;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--)
            open.get(i).close();
    }

    @Test
    void threeNodesFindEachOtherThroughASharedDirectoryAndANodeThatLeftRejoins() throws Exception {
        Path shared = tmp.resolve("shared");
        StackNodes nodes = nodes(shared);
        for (int i = 0; i < 3; i++)
            nodes.start(i);
        assertEquals("333", nodes.sizes());
        try (Stream<Path> files = Files.list(shared.resolve(nodes.finder(0).getClusterName()))) {
            assertTrue(files.anyMatch(p -> p.toString().endsWith(".list")), "FILE_PING's member list is on disk");
        }
        byte[] v = Payload.of("fp/blk-0", 200_000);
        assertTrue(nodes.node(0).store().put("fp/blk-0", v).stored());
        assertArrayEquals(v, nodes.node(2).store().get("fp/blk-0"));

        nodes.stop(2);
        eventually(Duration.ofSeconds(30), "two Ignite nodes left", () -> nodes.sizes().equals("22"));
        eventually(Duration.ofSeconds(30), "two JGroups members left", () -> nodes.finder(0).memberCount() == 2);

        KvGridNode back = nodes.start(2);   // a fresh finder, the same directory and ports
        assertEquals("333", nodes.sizes());
        assertEquals(3, nodes.finder(2).memberCount());
        assertArrayEquals(v, back.store().get("fp/blk-0"), "the rejoined node reads what the cluster stored");
        byte[] w = Payload.of("fp/blk-1", 4_096);
        assertTrue(back.store().put("fp/blk-1", w).stored());
        assertArrayEquals(w, nodes.node(1).store().get("fp/blk-1"));
    }

    @Test
    void finderMembersWithDifferentDirectoriesDoNotFindEachOther() {
        StackNodes a = nodes(tmp.resolve("dir-a"));
        JGroupsIpFinder first = a.finder();
        JGroupsIpFinder second = new JGroupsIpFinder().setClusterName(first.getClusterName())
            .setStack("kvgrid-stack-file.xml").setStackProperties(stackProperties(tmp.resolve("dir-b")));
        open.add(second::close);
        JGroupsIpFinder third = a.finder();   // same directory as the first
        first.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41001)));
        second.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41002)));
        third.initializeLocalAddresses(List.of(new InetSocketAddress("127.0.0.1", 41003)));

        Set<InetSocketAddress> sharedDir = Set.of(new InetSocketAddress("127.0.0.1", 41001),
            new InetSocketAddress("127.0.0.1", 41003));
        assertEquals(sharedDir, Set.copyOf(first.getRegisteredAddresses()));
        assertEquals(sharedDir, Set.copyOf(third.getRegisteredAddresses()));
        assertEquals(Set.of(new InetSocketAddress("127.0.0.1", 41002)), Set.copyOf(second.getRegisteredAddresses()));
        assertEquals(1, second.memberCount());
    }

    @Test
    void threeNodesStartedAtOnceOnAnEmptyDirectoryFormOneClusterEveryTime() throws Exception {
        List<String> sizes = new ArrayList<>();
        for (int trial = 0; trial < 3; trial++) {
            StackNodes nodes = nodes(tmp.resolve("race-" + trial));
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<KvGridNode>> starting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return nodes.start(n);
                }));
            }
            go.countDown();
            for (CompletableFuture<KvGridNode> f : starting)
                f.get(90, TimeUnit.SECONDS);
            sizes.add(nodes.sizes());
            nodes.close();
        }
        assertEquals(List.of("333", "333", "333"), sizes, "cluster sizes seen by each node, per trial");
    }
}
