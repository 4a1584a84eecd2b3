package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kvgrid's meters in a registry the user configured: one set per node, tagged by node, moved by each operation. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StoreMetersTest {
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static TestCluster cluster;
    private static BlockStore store;
    private static String node0;
    private static String node1;

    @BeforeAll
    static void start() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setMeterRegistry(registry);
        cfg.setMaxBlockBytes(1 << 20);
        cfg.setDefaultReplicas(1);
        cluster = TestCluster.start(2, cfg);
        store = cluster.store(0);
        node0 = String.valueOf(cluster.node(0).consistentId());
        node1 = String.valueOf(cluster.node(1).consistentId());
    }

    @AfterAll
    static void stop() {
        if (cluster != null)
            cluster.close();
    }

    private static double count(String name, String node, String... tags) {
        Counter c = registry.find(name).tag("node", node).tags(tags).counter();
        if (c != null)
            return c.count();
        FunctionCounter f = registry.find(name).tag("node", node).tags(tags).functionCounter();
        assertTrue(f != null, name + " " + List.of(tags) + " of " + node);
        return f.count();
    }

    private static double gauge(String name, String node, String... tags) {
        Gauge g = registry.get(name).tag("node", node).tags(tags).gauge();
        return g.value();
    }

    private static long timed(String op, String node) {
        Timer t = registry.get("kvgrid.operations").tag("node", node).tag("op", op).timer();
        return t.count();
    }

    @Test
    void aPutAndAGetCountOnTheNodeThatServedThemOnly() {
        double puts0 = count("cache.puts", node0);
        double puts1 = count("cache.puts", node1);
        double hits0 = count("cache.gets", node0, "result", "hit", "tier", "memory");
        long putTimed = timed("put", node0);
        long getTimed = timed("get", node0);
        long batchTimed = timed("batchGet", node0);
        byte[] v = Payload.of("m/a", 10_000);
        assertTrue(store.put("m/a", v).stored());
        assertArrayEquals(v, store.get("m/a"));
        assertEquals(puts0 + 1, count("cache.puts", node0));
        assertEquals(puts1, count("cache.puts", node1));
        assertEquals(hits0 + 1, count("cache.gets", node0, "result", "hit", "tier", "memory"));
        assertEquals(putTimed + 1, timed("put", node0));
        assertEquals(getTimed + 1, timed("get", node0));
        assertEquals(batchTimed, timed("batchGet", node0), "a single get is not also a batch get");

        double miss = count("cache.gets", node0, "result", "miss", "tier", "none");
        List<io.kvgrid.KeyResult<byte[]>> got = store.batchGet(List.of("m/a", "m/none"));
        assertArrayEquals(v, got.get(0).value());
        assertEquals(ErrorCode.NOT_FOUND, got.get(1).error().code());
        assertEquals(miss + 1, count("cache.gets", node0, "result", "miss", "tier", "none"));
        assertEquals(batchTimed + 1, timed("batchGet", node0));
        assertEquals(hits0 + 2, count("cache.gets", node0, "result", "hit", "tier", "memory"));
    }

    @Test
    void refusedWritesCountByErrorCodeAndAnExistingBlockIsNoPut() {
        double tooBig = count("kvgrid.put.rejected", node0, "code", ErrorCode.INVALID_ARGUMENT.name());
        double badKey = count("kvgrid.put.rejected", node0, "code", ErrorCode.INVALID_KEY.name());
        assertThrows(KvGridException.class, () -> store.put("m/big", new byte[(1 << 20) + 1]));
        assertThrows(KvGridException.class, () -> store.put("", new byte[1]));
        assertEquals(tooBig + 1, count("kvgrid.put.rejected", node0, "code", ErrorCode.INVALID_ARGUMENT.name()));
        assertEquals(badKey + 1, count("kvgrid.put.rejected", node0, "code", ErrorCode.INVALID_KEY.name()));

        store.put("m/once", Payload.of("m/once", 100));
        double puts = count("cache.puts", node0);
        assertTrue(store.put("m/once", Payload.of("m/once", 100)).existed());
        assertEquals(puts, count("cache.puts", node0));
    }

    @Test
    void pinsLeasesRemovalsAndEvictionsAreCountedByKind() {
        try (TestCluster c = TestCluster.start(1, withRegistry(new SimpleMeterRegistry()))) {
            SimpleMeterRegistry r = ownRegistry;
            BlockStore s = c.store(0);
            String id = String.valueOf(c.node(0).consistentId());
            s.put("p/hard", Payload.of("p/hard", 1000), PutOptions.builder().hardPin().build());
            s.put("p/soft", Payload.of("p/soft", 1000), PutOptions.builder().softPin().build());
            s.put("p/plain", Payload.of("p/plain", 1000));
            s.put("p/gone", Payload.of("p/gone", 1000));
            s.get("p/plain");
            assertEquals(1, r.get("kvgrid.pins").tag("node", id).tag("kind", "hard").gauge().value());
            assertEquals(1, r.get("kvgrid.pins").tag("node", id).tag("kind", "soft").gauge().value());
            assertEquals(1, r.get("kvgrid.leases.active").tag("node", id).gauge().value());
            assertEquals(4, r.get("cache.size").tag("node", id).tag("tier", "memory").gauge().value());

            s.remove("p/gone", false);
            assertEquals(1, r.get("cache.evictions").tag("node", id).tag("reason", "remove").counter().count());
            double scans = r.get("kvgrid.eviction.scans").tag("node", id).functionCounter().count();
            SpaceGovernor g = KvGridRuntime.governor(c.node(0).ignite());
            // A scan: 2 candidates (not the hard-pinned block), of which the policy's batch takes 1.
            g.evict(0, System.currentTimeMillis() + 60_000);
            assertEquals(scans + 1, r.get("kvgrid.eviction.scans").tag("node", id).functionCounter().count());
            assertTrue(r.get("kvgrid.eviction.scan.seconds").tag("node", id).gauge().value() > 0);
            assertEquals(1, r.get("kvgrid.eviction.candidates").tag("node", id).gauge().value());
            g.evict(Long.MAX_VALUE, System.currentTimeMillis() + 60_000);
            // p/plain's lease has expired by then; the hard-pinned block stays, the soft-pinned one goes.
            assertEquals(0, r.get("kvgrid.eviction.candidates").tag("node", id).gauge().value());
            assertEquals(2, r.get("cache.evictions").tag("node", id).tag("reason", "full").functionCounter().count());
            assertEquals(0, r.get("cache.evictions").tag("node", id).tag("reason", "watermark").functionCounter()
                .count());
            assertEquals(c.store(0).localStats().evictions(), 2);
            assertEquals(1, r.get("cache.size").tag("node", id).tag("tier", "memory").gauge().value());
        }
        assertNull(ownRegistry.find("cache.puts").counter(), "a stopped node's meters leave the registry");
    }

    @Test
    void blockOperationsAreTimed() throws Exception {
        store.put("u/0", Payload.of("u/0", 4096));
        long prefix = timed("lookupOnPrefixLength", node0);
        assertEquals(1, store.lookupOnPrefixLength(List.of("u/0", "u/1")));
        assertEquals(prefix + 1, timed("lookupOnPrefixLength", node0));

        long dumps = timed("dump", node0);
        store.dump(List.of("u/d"), new int[] {0}, List.of(ByteBuffer.wrap(Payload.of("u/d", 4096)))).await();
        assertEquals(dumps + 1, timed("dump", node0));
        long loads = timed("load", node0);
        ByteBuffer into = ByteBuffer.allocate(4096);
        store.load(List.of("u/d"), new int[] {0}, List.of(into)).await();
        assertEquals(loads + 1, timed("load", node0));
        assertArrayEquals(Payload.of("u/d", 4096), into.array());
    }

    @Test
    void aWriteTimesEachOfItsClusterStepsOncePerCallWithinTheTimeOfThePut() {
        Timer put = registry.get("kvgrid.operations").tag("node", node0).tag("op", "put").timer();
        List<Timer> steps = List.of(step("reserve"), step("payload"), step("install"));
        long[] counts = steps.stream().mapToLong(Timer::count).toArray();
        double stepNanos = steps.stream().mapToDouble(t -> t.totalTime(TimeUnit.NANOSECONDS)).sum();
        double putNanos = put.totalTime(TimeUnit.NANOSECONDS);
        List<String> keys = List.of("w/0", "w/1", "w/2");
        List<byte[]> values = keys.stream().map(k -> Payload.of(k, 20_000)).toList();
        store.batchPut(keys, values).forEach(r -> assertTrue(r.valueOrThrow().stored(), r.key()));
        for (int i = 0; i < steps.size(); i++)
            assertEquals(counts[i] + 1, steps.get(i).count(), "one " + steps.get(i).getId().getTag("phase")
                + " step for the call's three keys");
        double stepsNow = steps.stream().mapToDouble(t -> t.totalTime(TimeUnit.NANOSECONDS)).sum() - stepNanos;
        double putNow = put.totalTime(TimeUnit.NANOSECONDS) - putNanos;
        assertTrue(stepsNow > 0 && stepsNow <= putNow, "steps " + stepsNow + " ns within the put's " + putNow);
        for (int i = 0; i < keys.size(); i++)
            assertArrayEquals(values.get(i), store.get(keys.get(i)));

        assertThrows(KvGridException.class, () -> store.put("", new byte[1]));
        for (int i = 0; i < steps.size(); i++)
            assertEquals(counts[i] + 1, steps.get(i).count(), "a write refused before any cluster step times none");
    }

    private static Timer step(String phase) {
        return registry.get("kvgrid.put.phases").tag("node", node0).tag("phase", phase).timer();
    }

    private static SimpleMeterRegistry ownRegistry;

    private static KvGridConfiguration withRegistry(SimpleMeterRegistry r) {
        ownRegistry = r;
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setMeterRegistry(r);
        return cfg;
    }
}
