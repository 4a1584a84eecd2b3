package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import io.kvgrid.TierStoreFactory;
import io.kvgrid.testing.MemoryTierStore;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a fetch reads payloads into buffers it is lent (the block channel's GETs): only on a node without a tier above
 * memory. A tier above takes a copy of what is read from memory and may keep the array it is handed; a buffer lent
 * again would then change the bytes it holds.
 */
@Timeout(120)
class PayloadFetcherLendingTest {
    private static final int SIZE = 100_000; // spans several 16 KiB pages

    /** Fetches {@code key} on node 0 of {@code c} with buffers that count themselves; returns how many were lent. */
    private static int fetchCountingLent(TestCluster c, String key, Set<String> servedAbove) {
        GridBlockStore s = KvGridRuntime.of(c.node(0).ignite()).store();
        AtomicInteger lent = new AtomicInteger();
        Map<String, Object> got = s.fetcher().fetch(Map.of(key, s.metaCache().get(key)), servedAbove, k -> n -> {
            lent.incrementAndGet();
            return ByteBuffer.allocate(n);
        });
        Object v = got.get(key);
        assertPayload(key, SIZE, v instanceof ByteBuffer b ? LentRowReadsTest.bytes(b) : (byte[]) v);
        return lent.get();
    }

    @Test
    void aNodeWithoutATierAboveMemoryReadsAPayloadSpanningPagesIntoALentBuffer() {
        try (TestCluster c = GridTests.cluster(1, TestCluster.smallConfig())) {
            String key = "lending/plain";
            c.store(0).put(key, Payload.of(key, SIZE));
            assertEquals(1, fetchCountingLent(c, key, new HashSet<>()));
        }
    }

    @Test
    void aNodeWithATierAboveMemoryLendsNoBufferAndTheTierTakesTheBlock() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        TierStoreFactory tierAbove = ctx -> new MemoryTierStore(ctx, 8L << 20);
        cfg.setTiers(List.of(tierAbove, "memory"));
        try (TestCluster c = GridTests.cluster(1, cfg)) {
            String key = "lending/above";
            c.store(0).put(key, Payload.of(key, SIZE));
            Set<String> above = new HashSet<>();
            assertEquals(0, fetchCountingLent(c, key, above), "read from memory into arrays of its own");
            assertEquals(Set.of(), above, "not above memory before this read");
            // Read again until the tier above has taken its copy (it may count reads first), then from there.
            for (int i = 0; i < 10 && above.isEmpty(); i++)
                assertEquals(0, fetchCountingLent(c, key, above));
            assertTrue(above.contains(key), "served from the tier above memory");
        }
    }

    @Test
    void aLentBufferIsCheckedAgainstItsRecordAsAnArrayIs() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setVerifyOnRead(true);
        try (TestCluster c = GridTests.cluster(1, cfg)) {
            PayloadFetcher f = KvGridRuntime.of(c.node(0).ignite()).store().fetcher();
            byte[] bytes = Payload.of("lending/checked", SIZE);
            BlockRecord r = new BlockRecord();
            r.size = SIZE;
            r.crc = Payloads.crc(bytes);
            ByteBuffer direct = ByteBuffer.allocateDirect(SIZE).put(bytes).flip();
            assertSame(direct, f.verifiedBuffer("k", r, direct));
            assertEquals(0, direct.position(), "the check leaves the buffer's position");
            ByteBuffer wrapped = f.verifiedBuffer("k", r, bytes);
            assertSame(bytes, wrapped.array(), "an array comes wrapped, not copied");

            ByteBuffer corrupt = ByteBuffer.allocateDirect(SIZE).put(bytes).flip();
            corrupt.put(SIZE / 2, (byte) (bytes[SIZE / 2] + 1));
            assertEquals(ErrorCode.CHECKSUM_MISMATCH,
                assertThrows(KvGridException.class, () -> f.verifiedBuffer("k", r, corrupt)).code());
            ByteBuffer shorter = direct.duplicate().limit(SIZE - 1);
            assertEquals(ErrorCode.CHECKSUM_MISMATCH,
                assertThrows(KvGridException.class, () -> f.verifiedBuffer("k", r, shorter)).code());
            assertEquals(ErrorCode.NOT_FOUND,
                assertThrows(KvGridException.class, () -> f.verifiedBuffer("k", r, null)).code());

            // A block replaced while read: checked against the record of the block that replaced it.
            byte[] other = Payload.of("lending/replaced", SIZE + 1);
            BlockRecord now = new BlockRecord();
            now.size = other.length;
            now.crc = Payloads.crc(other);
            ByteBuffer replaced = ByteBuffer.allocateDirect(other.length).put(other).flip();
            assertSame(replaced, f.verifiedBuffer("k", r, new PayloadFetcher.Reread(now, replaced)));
            assertEquals(ErrorCode.CHECKSUM_MISMATCH, assertThrows(KvGridException.class,
                () -> f.verifiedBuffer("k", r, new PayloadFetcher.Reread(r, replaced))).code());
        }
    }
}
