package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.Ticker;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.function.Executable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared helpers of the grid-tier tests: clusters with a private work directory, a hand-moved clock, error checks. */
final class GridTests {
    private GridTests() {
    }

    /** Requests of {@code method} (channel-get, channel-put, ...) the nodes metered in {@code registry} served so far. */
    static long served(io.micrometer.core.instrument.MeterRegistry registry, String method) {
        long n = 0;
        for (io.micrometer.core.instrument.Timer t : registry.find("kvgrid.service.calls").tag("method", method).timers())
            n += t.count();
        return n;
    }

    /** {@link #cluster} of the small configuration, its meters in {@code registry} (to count what the nodes served). */
    static TestCluster metered(int nodes, io.micrometer.core.instrument.MeterRegistry registry) {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setMeterRegistry(registry);
        return cluster(nodes, cfg);
    }

    /** A cluster whose Ignite work directory is a fresh temporary folder, so tests leave nothing in the source tree. */
    static TestCluster cluster(int nodes, KvGridConfiguration cfg) {
        Path work;
        try {
            work = Files.createTempDirectory("kvgrid-test-work");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        work.toFile().deleteOnExit();
        return TestCluster.start(nodes, cfg, c -> c.setWorkDirectory(work.toString()));
    }

    /**
     * The first key {@code prefix + i} whose metadata primary is node {@code owner}: operations issued from the other
     * node then run their entry processors remotely, those issued from the owner locally.
     */
    static String keyOwnedBy(TestCluster c, int owner, String prefix) {
        var ignite = c.node(owner).ignite();
        var local = ignite.cluster().localNode();
        for (int i = 0; i < 10_000; i++) {
            String k = prefix + i;
            if (ignite.affinity("kvgrid-meta").isPrimary(local, k))
                return k;
        }
        throw new AssertionError("no key with prefix " + prefix + " is owned by node " + owner);
    }

    /** A clock the test moves by hand; every node of a cluster in this JVM reads the same instance. */
    static final class ManualTicker implements Ticker {
        private final AtomicLong now;

        ManualTicker(long start) {
            now = new AtomicLong(start);
        }

        @Override
        public long millis() {
            return now.get();
        }

        long advance(long ms) {
            return now.addAndGet(ms);
        }
    }

    /** Runs {@code call}, expecting a KvGridException of {@code code} naming {@code argument}. */
    static KvGridException assertFails(ErrorCode code, String argument, Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call);
        assertEquals(code, e.code(), () -> "code of " + e);
        assertEquals(argument, e.argument(), () -> "argument of " + e);
        return e;
    }

    static void assertFailed(ErrorCode code, KeyResult<?> r) {
        assertTrue(!r.ok(), () -> "expected " + code + " for " + r.key() + ", got value " + r.value());
        assertEquals(code, r.error().code(), () -> "code for " + r.key() + ": " + r.error());
    }

    /** Every visible key with its payload, in key order. */
    static Map<String, byte[]> contents(BlockStore store) {
        Map<String, byte[]> out = new TreeMap<>();
        List<String> keys = store.listKeys(".*");
        List<KeyResult<byte[]>> values = store.batchGet(keys);
        for (KeyResult<byte[]> r : values)
            out.put(r.key(), r.valueOrThrow());
        return out;
    }

    static void assertSameContents(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "visible keys");
        expected.forEach((k, v) -> assertArrayEquals(v, actual.get(k), "payload of " + k));
    }

    static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, off, p.length);
            off += p.length;
        }
        return out;
    }
}
