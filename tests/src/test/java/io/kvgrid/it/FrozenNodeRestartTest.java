package io.kvgrid.it;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridNode;
import io.kvgrid.PutOptions;
import io.kvgrid.config.XmlConfigs;
import io.kvgrid.examples.KvGridCli;
import io.kvgrid.testing.LoopbackPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code kvgrid node} process frozen (SIGSTOP) past the failure detection timeout is dropped from the cluster; on
 * SIGCONT Ignite stops that node, and {@code kvgrid node} starts it again, so it rejoins by itself.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FrozenNodeRestartTest {
    @Test
    void aFrozenNodeRejoinsByItselfWhenItResumes(
        @TempDir(factory = BuildDirTempDirs.class, cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path tmp) throws Exception {
        int base = LoopbackPorts.freeRange(30);
        Map<String, String> props = new HashMap<>();
        props.put("kvgrid.discovery.port", String.valueOf(base));
        props.put("kvgrid.communication.port", String.valueOf(base + 10));
        props.put("kvgrid.thin.port", String.valueOf(base + 20));
        props.put("kvgrid.metrics.port", "0");
        props.put("kvgrid.partitions", "64");
        props.put("kvgrid.data.region.bytes", String.valueOf(64L << 20));
        props.put("kvgrid.meta.region.bytes", String.valueOf(64L << 20));
        props.put("kvgrid.work.dir", tmp.resolve("work").toString());
        Map<String, String> peerProps = new HashMap<>(props);
        peerProps.put("kvgrid.instance.name", "peer-" + base);
        try (KvGridNode peer = KvGrid.start(XmlConfigs.load("kvgrid-default.xml", peerProps))) {
            List<String> jvm = new ArrayList<>();
            props.forEach((k, v) -> jvm.add("-D" + k + "=" + v));
            jvm.add("-Dkvgrid.instance.name=frozen-" + base);
            Process node = ChildJvm.start(KvGridCli.class, tmp.resolve("node.log"), jvm, "node", "--config",
                "kvgrid-default.xml");
            BlockingQueue<String> lines = lines(node);
            try {
                awaitLine(lines, "serving thin clients", 90);
                await().atMost(Duration.ofSeconds(30)).until(() -> servers(peer) == 2);

                signal("STOP", node);
                await().atMost(Duration.ofSeconds(60)).until(() -> servers(peer) == 1);
                Thread.sleep(2_000);   // frozen a while past being dropped
                signal("CONT", node);

                awaitLine(lines, "starting it again", 90);
                awaitLine(lines, "serving thin clients", 90);
                await().atMost(Duration.ofSeconds(60)).until(() -> servers(peer) == 2);
                assertTrue(node.isAlive(), "the process lives on");
                assertEquals(2, peer.store().put("frozen/after", new byte[] {9},
                    PutOptions.builder().replicas(2).build()).replicas(), "both nodes hold copies again");
            } finally {
                node.destroy();   // SIGTERM: kvgrid node stops cleanly
                if (!node.waitFor(30, TimeUnit.SECONDS))
                    node.destroyForcibly();
            }
        }
    }

    private static int servers(KvGridNode n) {
        return n.ignite().cluster().forServers().nodes().size();
    }

    private static void signal(String sig, Process p) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, String.valueOf(p.pid())).start().waitFor());
    }

    /** The process's standard output, line by line, read by a daemon thread so its pipe never fills. */
    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; )
                    q.add(l);
            } catch (java.io.IOException ignored) {
                // process ended
            }
        });
        t.setDaemon(true);
        t.start();
        return q;
    }

    private static void awaitLine(BlockingQueue<String> lines, String part, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            String l = lines.poll(500, TimeUnit.MILLISECONDS);
            if (l != null && l.contains(part))
                return;
        }
        throw new AssertionError("kvgrid node never printed '" + part + "'");
    }
}
