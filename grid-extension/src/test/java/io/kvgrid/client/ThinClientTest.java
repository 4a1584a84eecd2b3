package io.kvgrid.client;

import io.kvgrid.BlockMeta;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.RemoveResult;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole block store through {@link KvGridClient} against three real nodes, checked against the embedded store. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ThinClientTest {
    private static TestCluster cluster;
    private static KvGridClient client;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(3);
        client = KvGridClient.connect(cluster.thinClientAddress(0));
    }

    @AfterAll
    static void stop() {
        if (client != null)
            client.close();
        if (cluster != null)
            cluster.close();
    }

    @Test
    void aBlockPutThroughTheClientReadsBackTheSameBytesThroughClientAndEmbeddedStore() {
        byte[] v = Payload.of("tc/one", 300_000);
        PutResult r = client.put("tc/one", v);
        assertTrue(r.stored());
        assertEquals(2, r.replicas());
        assertArrayEquals(v, client.get("tc/one"));
        assertArrayEquals(v, cluster.store(2).get("tc/one"));
        ByteBuffer direct = ByteBuffer.allocateDirect(v.length);
        assertEquals(v.length, client.getInto("tc/one", direct));
        assertArrayEquals(v, Payload.bytes(direct, v.length));
    }

    @Test
    void putIsWriteOnceAndUpsertReplaces() {
        client.put("tc/once", Payload.of("a", 1000));
        PutResult again = client.put("tc/once", Payload.of("b", 1000));
        assertTrue(again.existed());
        assertArrayEquals(Payload.of("a", 1000), client.get("tc/once"));
        client.upsert("tc/once", Payload.of("c", 2000));
        assertArrayEquals(Payload.of("c", 2000), cluster.store(0).get("tc/once"));
    }

    @Test
    void batchesSpanEveryNodeAndReportEachKey() {
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            keys.add("tc/batch-" + i);
            values.add(Payload.of("tc/batch-" + i, 4096 + i));
        }
        List<KeyResult<PutResult>> put = client.batchPut(keys, values, PutOptions.builder().replicas(1).build());
        for (KeyResult<PutResult> r : put)
            assertEquals(1, r.valueOrThrow().replicas());
        List<String> read = new ArrayList<>(keys);
        read.add(30, "tc/batch-missing");
        List<KeyResult<byte[]>> got = client.batchGet(read);
        assertEquals(61, got.size());
        assertEquals(ErrorCode.NOT_FOUND, got.get(30).error().code());
        for (int i = 0; i < 61; i++)
            if (i != 30)
                assertArrayEquals(Payload.of(read.get(i), 4096 + (i < 30 ? i : i - 1)), got.get(i).value(), read.get(i));
        assertEquals(60, client.lookupOnPrefixLength(keys));
        assertEquals(30, client.lookupOnPrefixLength(read));
    }

    @Test
    void payloadRequestsGoToTheNodeThatHoldsTheBlock() {
        // Primaries move once rebalancing after the last join ends; a relayed request makes the client re-route.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long before;
        do {
            before = relayed();
            putAndGet("tc/warm-", 20);
        } while (relayed() != before && System.nanoTime() < deadline);
        before = relayed();
        putAndGet("tc/route-", 40);
        assertEquals(before, relayed(), "payload requests relayed through a node that is not the block's primary");
    }

    private static void putAndGet(String prefix, int n) {
        for (int i = 0; i < n; i++) {
            String k = prefix + i;
            client.upsert(k, Payload.of(k, 10_000));
            assertArrayEquals(Payload.of(k, 10_000), client.get(k));
        }
    }

    private static long relayed() {
        long n = 0;
        for (ServerStats s : client.serverStats())
            n += s.relayedRequests();
        return n;
    }

    @Test
    void badArgumentsGetTypedErrorsAndStoreNothing() {
        assertCode(ErrorCode.INVALID_KEY, "key", () -> client.put("", new byte[1]));
        assertCode(ErrorCode.INVALID_KEY, "key", () -> client.put("tc/\u0001ctl", new byte[1]));
        assertCode(ErrorCode.INVALID_KEY, "key", () -> client.put("tc/\uD800", new byte[1]));
        assertCode(ErrorCode.INVALID_KEY, "key", () -> client.put("tc/\uFFFF", new byte[1]));
        assertCode(ErrorCode.INVALID_KEY, "keys[1]", () -> client.batchGet(List.of("ok", "bad\n")));
        assertCode(ErrorCode.INVALID_ARGUMENT, "value", () -> client.put("tc/null", null));
        assertCode(ErrorCode.INVALID_ARGUMENT, "replicas",
            () -> client.put("tc/rep", new byte[1], PutOptions.builder().replicas(9).build()));
        assertCode(ErrorCode.INVALID_ARGUMENT, "softPin", () -> client.put("tc/pin", new byte[1],
            PutOptions.builder().softPin(java.time.Duration.ofSeconds(Long.MAX_VALUE)).build()));
        assertCode(ErrorCode.NOT_FOUND, "key", () -> client.get("tc/absent"));
        client.put("tc/big", new byte[100]);
        assertCode(ErrorCode.BUFFER_TOO_SMALL, "buffer", () -> client.getInto("tc/big", ByteBuffer.allocate(10)));
        assertFalse(client.exists("tc/rep"));
        assertFalse(client.exists("tc/pin"));
        assertTrue(client.listKeys("tc/\\p{Cntrl}.*|tc/null|tc/rep|tc/pin").isEmpty());
    }

    @Test
    void readsAndLookupsTakeLeasesThatBlockRemoval() {
        client.put("tc/leased", Payload.of("tc/leased", 500));
        assertEquals(1, client.lookupOnPrefixLength(List.of("tc/leased", "tc/nope")));
        BlockMeta m = client.query("tc/leased").orElseThrow();
        assertTrue(m.leasedAt(System.currentTimeMillis()), "lookup granted a lease");
        assertEquals(500, m.size());
        assertCode(ErrorCode.HAS_LEASE, "key", () -> client.remove("tc/leased"));
        client.remove("tc/leased", true);
        assertFalse(cluster.store(1).exists("tc/leased"));
    }

    @Test
    void dumpThenLoadMovesShardsIntoCallerBuffers() {
        List<String> ids = List.of("tc/ucm-0", "tc/ucm-1", "tc/ucm-2");
        List<ByteBuffer> src = new ArrayList<>();
        for (String id : ids)
            src.add(Payload.direct(Payload.of(id, 65_536)));
        client.dump(ids, new int[3], src).await();
        List<ByteBuffer> dst = new ArrayList<>();
        for (int i = 0; i < 3; i++)
            dst.add(ByteBuffer.allocateDirect(65_536));
        client.load(ids, new int[3], dst).await();
        for (int i = 0; i < 3; i++)
            assertArrayEquals(Payload.of(ids.get(i), 65_536), Payload.bytes(dst.get(i), 65_536));
        KvGridException e = assertThrows(KvGridException.class,
            () -> client.load(List.of("tc/ucm-0"), new int[1], List.of(ByteBuffer.allocate(10))).await());
        assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
        assertCode(ErrorCode.INVALID_ARGUMENT, "shardIndex[0]",
            () -> client.load(List.of("tc/ucm-0"), new int[] {1}, List.of(ByteBuffer.allocate(10))));
    }

    @Test
    void listRemoveByRegexPrefetchAndStats() {
        for (int i = 0; i < 5; i++)
            client.put("tc/rx-" + i, new byte[] {(byte) i});
        assertEquals(List.of("tc/rx-0", "tc/rx-1", "tc/rx-2", "tc/rx-3", "tc/rx-4"),
            client.listKeys("tc/rx-.*").stream().sorted().toList());
        client.prefetch(List.of("tc/rx-0", "tc/never"));
        RemoveResult r = client.removeByRegex("tc/rx-.*", true);
        assertEquals(5, r.removed());
        assertTrue(client.listKeys("tc/rx-.*").isEmpty());
        List<ServerStats> stats = client.serverStats();
        assertEquals(3, stats.size());
        for (ServerStats s : stats)
            assertTrue(s.stats().capacityBytes() > 0 && s.endpoint().startsWith("127.0.0.1:"), s.toString());
        assertCode(ErrorCode.INVALID_ARGUMENT, "regex", () -> client.listKeys("("));
    }

    @Test
    void closingOneClientLeavesTheClusterAndOtherClientsWorking() {
        KvGridClient other = KvGridClient.connect(cluster.thinClientAddress(1));
        other.put("tc/other", new byte[] {7});
        other.close();
        assertArrayEquals(new byte[] {7}, client.get("tc/other"));
        assertEquals(3, cluster.node(0).ignite().cluster().forServers().nodes().size());
    }

    @Test
    void unreachableHostsAndMalformedAddressesAreTypedErrors() {
        assertCode(ErrorCode.INVALID_ARGUMENT, "hosts", () -> KvGridClient.connect("localhost"));
        assertCode(ErrorCode.INVALID_ARGUMENT, "hosts", () -> KvGridClient.connect("h:0"));
        assertCode(ErrorCode.NODE_UNAVAILABLE, "hosts", () -> KvGridClient.connect("127.0.0.1:1"));
    }

    private static void assertCode(ErrorCode code, String arg, org.junit.jupiter.api.function.Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(arg, e.argument(), e.getMessage());
    }
}
