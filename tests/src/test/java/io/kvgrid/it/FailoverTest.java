package io.kvgrid.it;

import io.kvgrid.KvGridException;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.client.ServerStats;
import io.kvgrid.examples.KvGridCli;
import io.kvgrid.testing.Payload;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover across processes: three server processes with the SSD tier on, two copies of every block, a load of puts,
 * gets and lookups through a thin client, and {@code kvgrid fill --ack-file} as a second load process. Midway one
 * server is killed with SIGKILL; once the survivors hold two copies again it is restarted, and while it takes its
 * copies back a second server is killed, then restarted. Zero acknowledged blocks are lost or wrong (the load's own
 * and the fill's, which {@code kvgrid check --ack-file} verifies); the longest stall and the error codes are reported.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FailoverTest {
    private static final int BLOCK = 64 << 10;

    @Test
    void killsAndARestartDuringRebalanceLoseNoAcknowledgedBlock(@TempDir Path tmp) throws Exception {
        try (ServerProcesses servers = ServerProcesses.start(3, tmp, 64L << 20, "failover",
            "ssd=" + tmp.resolve("ssd-{i}"))) {
            Load load = new Load(servers.hosts());
            Thread loader = new Thread(load, "failover-load");
            loader.start();
            Path acks = tmp.resolve("fill.acks");
            String plan = "--count 300 --block-bytes 32768 --seed 7";
            Process fill = ChildJvm.start(KvGridCli.class, tmp.resolve("fill.log"), ("fill --connect "
                + servers.hosts() + " " + plan + " --threads 2 --ack-file " + acks).split(" "));
            try {
                Thread.sleep(4_000);
                servers.kill(0);
                try (KvGridClient admin = KvGridClient.connect(servers.address(1) + "," + servers.address(2))) {
                    await("the survivors hold two copies again").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .until(() -> settled(admin.serverStats(), 2));
                }
                assertTrue(fill.waitFor(120, TimeUnit.SECONDS), "kvgrid fill ended");
                servers.restart(0);
                Thread.sleep(1_000); // server 0 is taking its copies back
                servers.kill(1);
                Thread.sleep(3_000);
                servers.restart(1);
                Thread.sleep(3_000);
            } finally {
                load.stop.set(true);
                loader.join(60_000);
                fill.destroyForcibly();
            }
            String report = load.report();
            System.out.println("FailoverTest: " + report);
            assertTrue(load.wrong.isEmpty(), "no read returned wrong bytes: " + load.wrong);
            assertTrue(load.acked.size() >= 50, "the load kept writing through the kills: " + report);

            try (KvGridClient client = KvGridClient.connect(servers.hosts())) {
                await("every acknowledged block reads back").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                    .untilAsserted(() -> {
                        for (String k : load.acked)
                            assertArrayEquals(Payload.of(k, BLOCK), client.get(k), "acknowledged block " + k);
                    });
            }
            long fillAcks = Files.readAllLines(acks).stream().filter(l -> !l.isBlank()).count();
            assertTrue(fillAcks > 0, "the fill acknowledged blocks");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = KvGridCli.run(("check --connect " + servers.hosts() + " " + plan + " --ack-file " + acks)
                .split(" "), new PrintStream(out, true, StandardCharsets.UTF_8), System.err, false);
            String check = out.toString(StandardCharsets.UTF_8);
            System.out.println("FailoverTest: kvgrid check after the kills: " + check.trim());
            assertEquals(0, rc, check);
            assertTrue(check.contains("\"missingAcknowledged\":0") && check.contains("\"corrupt\":0"), check);
            assertTrue(servers.allAlive(), "every server is up at the end");
        }
    }

    /** True when {@code n} servers answer and none waits for copies. */
    private static boolean settled(List<ServerStats> stats, int n) {
        return stats.size() == n && stats.stream().allMatch(s -> s.copiesWaiting() == 0);
    }

    /** Puts (two copies), gets and lookups of its own blocks until stopped; bounded by count and time. */
    private static final class Load implements Runnable {
        final AtomicBoolean stop = new AtomicBoolean();
        final List<String> acked = new CopyOnWriteArrayList<>();
        final List<String> wrong = new CopyOnWriteArrayList<>();
        final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
        final Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
        private final String hosts;
        private long ops;

        Load(String hosts) {
            this.hosts = hosts;
        }

        @Override
        public void run() {
            Random rnd = new Random(1);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
            try (KvGridClient client = KvGridClient.connect(hosts)) {
                for (int i = 0; i < 200_000 && !stop.get() && System.nanoTime() < end; i++) {
                    long t0 = System.nanoTime();
                    try {
                        if (i % 3 == 0 || acked.isEmpty()) {
                            String k = "load-" + i;
                            client.put(k, Payload.of(k, BLOCK));
                            acked.add(k);
                        } else if (i % 3 == 1) {
                            String k = acked.get(rnd.nextInt(acked.size()));
                            if (!Arrays.equals(Payload.of(k, BLOCK), client.get(k)))
                                wrong.add(k);
                        } else {
                            client.lookup(List.of(acked.get(rnd.nextInt(acked.size()))));
                        }
                    } catch (KvGridException e) {
                        errors.computeIfAbsent(e.code().name(), c -> new AtomicLong()).incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.computeIfAbsent(e.getClass().getSimpleName(), c -> new AtomicLong()).incrementAndGet();
                    }
                    latency.recordValue(Math.min(System.nanoTime() - t0, latency.getHighestTrackableValue()));
                    ops++;
                }
            }
        }

        String report() {
            return String.format("%d operations, %d blocks acknowledged, p50 %.1f ms, p99 %.1f ms, longest stall "
                    + "%.0f ms, errors %s", ops, acked.size(), latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6, errors);
        }
    }
}
