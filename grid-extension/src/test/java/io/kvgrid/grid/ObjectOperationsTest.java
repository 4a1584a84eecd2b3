package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.RemoveResult;
import io.kvgrid.Tier;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.CRC32C;

import static io.kvgrid.grid.GridTests.assertFailed;
import static io.kvgrid.grid.GridTests.assertFails;
import static io.kvgrid.grid.GridTests.concat;
import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every object operation of {@link BlockStore} on two real nodes, with the clock in the test's hand. */
@Timeout(600)
class ObjectOperationsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long LEASE = 10_000;
    private static final GridTests.ManualTicker clock = new GridTests.ManualTicker(T0);
    private static TestCluster cluster;
    private static BlockStore a;
    private static BlockStore b;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setTicker(clock);
        cfg.setLeaseTtlMillis(LEASE);
        cluster = GridTests.cluster(2, cfg);
        a = cluster.store(0);
        b = cluster.store(1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    private static BlockRecord record(String key) {
        return ((GridBlockStore) a).metaCache().get(key);
    }

    private static boolean payloadStored(BlockRecord r) {
        return ((GridBlockStore) a).data(r).containsKey(r.dataKey);
    }

    private static int crc32c(byte[] bytes) {
        CRC32C c = new CRC32C();
        c.update(bytes);
        return (int) c.getValue();
    }

    private static ByteBuffer filled(ByteBuffer buf, byte fill) {
        for (int i = 0; i < buf.capacity(); i++)
            buf.put(i, fill);
        return buf;
    }

    // ---------------------------------------------------------------- put / upsert / get

    @Test
    void putStoresABlockThatEveryNodeReadsBack() {
        byte[] v = Payload.of("obj/put", 100_000);
        PutResult r = a.put("obj/put", v);
        assertTrue(r.stored());
        assertFalse(r.existed());
        assertEquals(2, r.replicas());
        assertPayload("obj/put", 100_000, a.get("obj/put"));
        assertPayload("obj/put", 100_000, b.get("obj/put"));
    }

    @Test
    void putOfAnExistingKeyLeavesItUnchangedAndReportsThatItExisted() {
        for (int owner = 0; owner < 2; owner++) {
            String key = GridTests.keyOwnedBy(cluster, owner, "obj/once-" + owner + "-");
            assertTrue(a.put(key, Payload.of(key, 5_000)).stored());
            for (BlockStore s : List.of(a, b)) {
                PutResult again = s.put(key, Payload.of("other", 7_000));
                assertTrue(again.existed(), key);
                assertFalse(again.stored());
                assertEquals(2, again.replicas());
            }
            assertPayload(key, 5_000, a.get(key));
            assertPayload(key, 5_000, b.get(key));
            assertEquals(5_000, b.size(key));
        }
    }

    @Test
    void upsertStoresANewKeyAndReplacesAnExistingBlockFreeingTheOldPayload() {
        for (int owner = 0; owner < 2; owner++) {
            String key = GridTests.keyOwnedBy(cluster, owner, "obj/upsert-" + owner + "-");
            assertTrue(a.upsert(key, Payload.of("v1", 4_000)).stored());
            assertArrayEquals(Payload.of("v1", 4_000), b.get(key));
            for (int via = 1; via >= 0; via--) {
                BlockStore s = cluster.store(via);
                BlockRecord old = record(key);
                byte[] next = Payload.of(key + "/via-" + via, 9_000);
                PutResult r = s.upsert(key, next);
                assertTrue(r.stored(), key);
                assertEquals(2, r.replicas());
                assertArrayEquals(next, a.get(key));
                assertArrayEquals(next, b.get(key));
                assertEquals(9_000, a.size(key));
                assertEquals(crc32c(next), a.query(key).orElseThrow().checksum());
                assertFalse(payloadStored(old), "the replaced payload is freed");
            }
        }
    }

    @Test
    void anUpsertIssuedAwayFromTheKeysPrimaryNeverMakesTheBlockDisappear() {
        String key = GridTests.keyOwnedBy(cluster, 1, "obj/upsert-remote-");
        a.put(key, Payload.of(key, 1_000));
        byte[] next = Payload.of("next", 1_500);
        try {
            a.upsert(key, next);
        } catch (RuntimeException e) {
            // whatever the upsert reports, the key must stay readable with the old or the new bytes
        }
        byte[] now = b.get(key);
        assertTrue(Arrays.equals(now, Payload.of(key, 1_000)) || Arrays.equals(now, next), "old or new payload");
        assertEquals(List.of(key), a.listKeys(key));
    }

    @Test
    void aZeroByteBlockIsStoredAndReadBackAsEmpty() {
        assertTrue(a.put("obj/empty", new byte[0]).stored());
        assertArrayEquals(new byte[0], b.get("obj/empty"));
        assertEquals(0, b.size("obj/empty"));
        assertTrue(b.exists("obj/empty"));
    }

    @Test
    void getOfAMissingKeyFailsWithNotFound() {
        assertFails(ErrorCode.NOT_FOUND, "key", () -> a.get("obj/never-put"));
    }

    // ---------------------------------------------------------------- getInto / putFrom / putParts

    @Test
    void getIntoAHeapBufferCopiesTheBlockAtItsPositionAndReturnsTheByteCount() {
        a.put("obj/into-heap", Payload.of("obj/into-heap", 3_000));
        ByteBuffer buf = filled(ByteBuffer.allocate(3_100), (byte) 0x5A);
        buf.position(40);
        assertEquals(3_000, b.getInto("obj/into-heap", buf));
        assertEquals(3_040, buf.position());
        byte[] all = Payload.bytes(buf, 3_100);
        assertPayload("obj/into-heap", 3_000, Arrays.copyOfRange(all, 40, 3_040));
        for (int i : new int[] {0, 39, 3_040, 3_099})
            assertEquals(0x5A, all[i], "byte " + i + " outside the copied range is untouched");
    }

    @Test
    void getIntoADirectBufferCopiesTheBlockAtItsPositionAndReturnsTheByteCount() {
        a.put("obj/into-direct", Payload.of("obj/into-direct", 70_000));
        ByteBuffer buf = filled(ByteBuffer.allocateDirect(70_010), (byte) 0x5A);
        buf.position(10);
        assertEquals(70_000, a.getInto("obj/into-direct", buf));
        assertEquals(70_010, buf.position());
        byte[] all = Payload.bytes(buf, 70_010);
        assertPayload("obj/into-direct", 70_000, Arrays.copyOfRange(all, 10, 70_010));
        assertEquals(0x5A, all[9]);
    }

    @Test
    void getIntoOfALargeBlockHeldHereReadsItOutOfThePagesStraightIntoTheBufferWithoutAnArrayOfItsSize() {
        int size = 2 << 20;
        a.put("obj/into-pages", Payload.of("obj/into-pages", size)); // two copies: both nodes hold it
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (ByteBuffer buf : List.of(ByteBuffer.allocate(size + 30), ByteBuffer.allocateDirect(size + 30))) {
            b.getInto("obj/into-pages", filled(buf, (byte) 0x5A).position(30)); // once to warm the path up
            filled(buf, (byte) 0x5A).position(30);
            long before = threads.getCurrentThreadAllocatedBytes();
            assertEquals(size, b.getInto("obj/into-pages", buf));
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < size / 4, "the read allocated " + allocated + " bytes for a block of " + size);
            assertEquals(size + 30, buf.position());
            byte[] all = Payload.bytes(buf, size + 30);
            assertPayload("obj/into-pages", size, Arrays.copyOfRange(all, 30, size + 30));
            assertEquals(0x5A, all[29], "the byte before the position is untouched");
        }
    }

    @Test
    void batchGetIntoOfAKeyAskedTwiceFillsBothBuffers() {
        int size = 300_000;
        a.put("obj/into-twice", Payload.of("obj/into-twice", size));
        List<ByteBuffer> bufs = List.of(ByteBuffer.allocateDirect(size), ByteBuffer.allocate(size + 5).position(5));
        List<KeyResult<Integer>> got = b.batchGetInto(List.of("obj/into-twice", "obj/into-twice"), bufs);
        for (int i = 0; i < 2; i++) {
            assertEquals(size, got.get(i).valueOrThrow());
            assertEquals(bufs.get(i).capacity(), bufs.get(i).position());
            byte[] all = Payload.bytes(bufs.get(i), bufs.get(i).capacity());
            assertPayload("obj/into-twice", size, Arrays.copyOfRange(all, all.length - size, all.length));
        }
    }

    @Test
    void batchGetIntoOfBlocksPackedIntoOneBufferPlacesEachRightAfterTheOneBefore() {
        String small = "obj/packed-small", big1 = "obj/packed-big1", big2 = "obj/packed-big2";
        a.put(small, Payload.of(small, 3_000)); // within one page
        a.put(big1, Payload.of(big1, 300_000));
        a.put(big2, Payload.of(big2, 200_000));
        for (ByteBuffer buf : List.of(ByteBuffer.allocate(600_000), ByteBuffer.allocateDirect(600_000))) {
            buf.position(11);
            List<KeyResult<Integer>> got = b.batchGetInto(List.of(small, big1, big2), List.of(buf, buf, buf));
            assertEquals(List.of(3_000, 300_000, 200_000), got.stream().map(KeyResult::valueOrThrow).toList());
            assertEquals(11 + 503_000, buf.position());
            byte[] all = Payload.bytes(buf, 11 + 503_000);
            assertPayload(small, 3_000, Arrays.copyOfRange(all, 11, 3_011));
            assertPayload(big1, 300_000, Arrays.copyOfRange(all, 3_011, 303_011));
            assertPayload(big2, 200_000, Arrays.copyOfRange(all, 303_011, 503_011));
        }
    }

    @Test
    void getIntoABufferThatIsTooSmallFailsWithBufferTooSmallAndWritesNothing() {
        a.put("obj/into-small", Payload.of("obj/into-small", 2_000));
        for (ByteBuffer buf : List.of(ByteBuffer.allocate(2_000), ByteBuffer.allocateDirect(2_000))) {
            filled(buf, (byte) 0x5A).position(1);   // 1 999 bytes remaining, one short
            // the argument's name is checked in ArgumentErrorsTest
            KvGridException e = assertThrows(KvGridException.class, () -> b.getInto("obj/into-small", buf));
            assertEquals(ErrorCode.BUFFER_TOO_SMALL, e.code());
            assertEquals(1, buf.position(), "position unchanged");
            byte[] after = Payload.bytes(buf, 2_000);
            for (int i = 0; i < after.length; i++)
                assertEquals(0x5A, after[i], "byte " + i + " unchanged");
        }
        assertPayload("obj/into-small", 2_000, a.get("obj/into-small"));
    }

    @Test
    void putFromAHeapBufferStoresItsRemainingBytesAndLeavesItsPositionAlone() {
        byte[] v = Payload.of("obj/from-heap", 6_000);
        ByteBuffer buf = ByteBuffer.allocate(6_020);
        buf.position(7).put(v).position(7).limit(6_007);
        assertTrue(a.putFrom("obj/from-heap", buf, PutOptions.defaults()).stored());
        assertEquals(7, buf.position());
        assertEquals(6_007, buf.limit());
        assertArrayEquals(v, b.get("obj/from-heap"));
    }

    @Test
    void putFromADirectBufferStoresItsRemainingBytesAndLeavesItsPositionAlone() {
        byte[] v = Payload.of("obj/from-direct", 50_000);
        ByteBuffer buf = Payload.direct(v);
        assertTrue(b.putFrom("obj/from-direct", buf, PutOptions.defaults()).stored());
        assertEquals(0, buf.position());
        assertEquals(50_000, buf.remaining());
        assertArrayEquals(v, a.get("obj/from-direct"));
        assertEquals(50_000, a.size("obj/from-direct"));
    }

    @Test
    void putPartsStoresSeveralHeapAndDirectBuffersAsOneBlock() {
        byte[] p1 = Payload.of("part-1", 1_000);
        byte[] p2 = Payload.of("part-2", 2_500);
        byte[] p3 = Payload.of("part-3", 10);
        ByteBuffer heap = ByteBuffer.wrap(p1);
        ByteBuffer direct = Payload.direct(p2);
        ByteBuffer offset = ByteBuffer.allocate(30);
        offset.position(5).put(p3).position(5).limit(15);
        assertTrue(a.putParts("obj/parts", List.of(heap, direct, offset), PutOptions.defaults()).stored());
        assertEquals(0, heap.position());
        assertEquals(0, direct.position());
        assertEquals(5, offset.position());
        byte[] whole = concat(p1, p2, p3);
        assertArrayEquals(whole, b.get("obj/parts"));
        assertEquals(3_510, b.size("obj/parts"));
        assertEquals(crc32c(whole), b.query("obj/parts").orElseThrow().checksum());
    }

    @Test
    void upsertPartsReplacesABlockWithTheConcatenationOfItsParts() {
        for (int owner = 0; owner < 2; owner++) {
            String key = GridTests.keyOwnedBy(cluster, owner, "obj/upsert-parts-" + owner + "-");
            a.put(key, Payload.of("old", 100));
            byte[] p1 = Payload.of("new-1", 300);
            byte[] p2 = Payload.of("new-2", 200);
            assertTrue(b.upsertParts(key, List.of(ByteBuffer.wrap(p1), Payload.direct(p2)),
                PutOptions.defaults()).stored());
            assertArrayEquals(concat(p1, p2), a.get(key));
        }
    }

    // ---------------------------------------------------------------- size / exists / query / listKeys

    @Test
    void sizeReportsThePayloadLengthAndNotFoundForAMissingKey() {
        a.put("obj/size", Payload.of("obj/size", 12_345));
        assertEquals(12_345, b.size("obj/size"));
        assertFails(ErrorCode.NOT_FOUND, "key", () -> b.size("obj/size-missing"));
        assertPayload("obj/size", 12_345, b.get("obj/size"));
    }

    @Test
    void existsAndBatchExistsTellStoredFromMissingKeys() {
        a.put("obj/ex-1", Payload.of("obj/ex-1", 10));
        b.put("obj/ex-3", Payload.of("obj/ex-3", 30));
        assertTrue(b.exists("obj/ex-1"));
        assertFalse(a.exists("obj/ex-2"));
        assertArrayEquals(new boolean[] {true, false, true, false},
            a.batchExists(List.of("obj/ex-1", "obj/ex-2", "obj/ex-3", "obj/ex-4")));
        assertArrayEquals(new boolean[0], a.batchExists(List.of()));
        assertPayload("obj/ex-3", 30, a.get("obj/ex-3"));
    }

    @Test
    void queryDescribesSizeChecksumReplicasTiersLeaseAndTimesFromTheInjectedClock() {
        long created = clock.advance(1_000);
        byte[] v = Payload.of("obj/query", 40_000);
        a.put("obj/query", v);
        long read = clock.advance(5_000);
        assertArrayEquals(v, b.get("obj/query"));

        BlockMeta m = b.query("obj/query").orElseThrow();
        assertEquals("obj/query", m.key());
        assertEquals(40_000, m.size());
        assertEquals(crc32c(v), m.checksum());
        assertEquals(Set.of(cluster.node(0).consistentId(), cluster.node(1).consistentId()), Set.copyOf(m.replicaNodes()));
        assertEquals(2, m.replicaNodes().size());
        assertTrue(m.tiers().contains(Tier.MEMORY));
        assertEquals(created, m.createdMillis());
        assertEquals(read, m.lastAccessMillis());
        assertEquals(read + LEASE, m.leaseUntilMillis(), "the read leased the block for leaseTtlMillis");
        assertTrue(m.leasedAt(read + LEASE - 1));
        assertFalse(m.leasedAt(read + LEASE));
        assertEquals(0, m.softPinUntilMillis());
        assertFalse(m.hardPinned());

        long later = clock.advance(LEASE + 1);
        BlockMeta m2 = a.query("obj/query").orElseThrow();
        assertEquals(created, m2.createdMillis());
        assertEquals(later, m2.lastAccessMillis());
        assertEquals(later + LEASE, m2.leaseUntilMillis());
    }

    @Test
    void queryOfAMissingKeyIsEmpty() {
        assertTrue(a.query("obj/query-missing").isEmpty());
    }

    @Test
    void listKeysReturnsOnlyKeysWhoseWholeKeyMatches() {
        a.put("list/x/1", Payload.of("list/x/1", 10));
        b.put("list/x/2", Payload.of("list/x/2", 20));
        a.put("list/y/1", Payload.of("list/y/1", 30));
        assertEquals(Set.of("list/x/1", "list/x/2"), Set.copyOf(b.listKeys("list/x/.*")));
        assertEquals(2, b.listKeys("list/x/.*").size());
        assertEquals(List.of(), a.listKeys("list/x"), "a regex must match the whole key");
        assertEquals(Set.of("list/x/1", "list/y/1"), Set.copyOf(a.listKeys("list/./1")));
        assertPayload("list/y/1", 30, b.get("list/y/1"));
    }

    @Test
    void queryByRegexReturnsTheMetadataOfEveryMatchingBlock() {
        a.put("qre/1", Payload.of("qre/1", 100));
        b.put("qre/2", Payload.of("qre/2", 200));
        a.put("qrx/3", Payload.of("qrx/3", 300));
        List<BlockMeta> metas = b.queryByRegex("qre/\\d");
        assertEquals(Set.of("qre/1", "qre/2"), metas.stream().map(BlockMeta::key).collect(Collectors.toSet()));
        for (BlockMeta m : metas) {
            int size = m.key().equals("qre/1") ? 100 : 200;
            assertEquals(size, m.size());
            assertEquals(crc32c(Payload.of(m.key(), size)), m.checksum());
            assertEquals(2, m.replicaNodes().size());
            assertPayload(m.key(), size, a.get(m.key()));
        }
    }

    // ---------------------------------------------------------------- removal

    @Test
    void removeDeletesABlockFreesItsPayloadAndAMissingKeyGivesNotFound() {
        a.put("obj/rm", Payload.of("obj/rm", 8_000));
        a.put("obj/rm-keep", Payload.of("obj/rm-keep", 80));
        BlockRecord rec = record("obj/rm");
        b.remove("obj/rm");
        assertFalse(a.exists("obj/rm"));
        assertFails(ErrorCode.NOT_FOUND, "key", () -> a.get("obj/rm"));
        assertFalse(payloadStored(rec), "the payload is freed");
        assertFails(ErrorCode.NOT_FOUND, "key", () -> b.remove("obj/rm"));
        assertPayload("obj/rm-keep", 80, b.get("obj/rm-keep"));
    }

    @Test
    void removeOfALeasedBlockFailsWithHasLeaseUnlessForcedOrTheLeaseRanOut() {
        for (int owner = 0; owner < 2; owner++) {
            String k1 = GridTests.keyOwnedBy(cluster, owner, "obj/lease-a-" + owner + "-");
            String k2 = GridTests.keyOwnedBy(cluster, owner, "obj/lease-b-" + owner + "-");
            a.put(k1, Payload.of(k1, 500));
            a.put(k2, Payload.of(k2, 600));
            assertPayload(k1, 500, b.get(k1));       // leases both until now + LEASE
            assertTrue(b.exists(k2));

            for (BlockStore s : List.of(a, b))
                assertFails(ErrorCode.HAS_LEASE, "key", () -> s.remove(k1));
            assertPayload(k1, 500, a.get(k1));
            a.remove(k1, true);
            assertFalse(b.exists(k1));

            clock.advance(LEASE + 1);
            a.remove(k2);
            assertFalse(b.exists(k2));
        }
    }

    @Test
    void removeByRegexRemovesMatchingBlocksAndSkipsLeasedOnesUnlessForced() {
        for (int i = 0; i < 5; i++)
            a.put("rre/" + i, Payload.of("rre/" + i, 100 + i));
        a.put("rrx/0", Payload.of("rrx/0", 50));
        assertPayload("rre/3", 103, b.get("rre/3"));                     // leased

        RemoveResult r = b.removeByRegex("rre/.*", false);
        assertEquals(4, r.removed());
        assertEquals(1, r.skipped());
        assertEquals(List.of("rre/3"), a.listKeys("rre/.*"));
        assertPayload("rre/3", 103, a.get("rre/3"));

        RemoveResult forced = a.removeByRegex("rre/.*", true);
        assertEquals(new RemoveResult(1, 0), forced);
        assertEquals(List.of(), b.listKeys("rre/.*"));
        assertPayload("rrx/0", 50, b.get("rrx/0"));
    }

    @Test
    void removeAllEmptiesTheStoreAndReportsLeasedBlocksItSkipped() {
        a.removeAll(true);
        assertEquals(List.of(), b.listKeys(".*"));
        a.put("all/1", Payload.of("all/1", 10));
        a.put("all/2", Payload.of("all/2", 20));
        b.put("all/3", Payload.of("all/3", 30));
        assertPayload("all/2", 20, a.get("all/2"));                      // leased

        assertEquals(new RemoveResult(2, 1), b.removeAll(false));
        assertEquals(List.of("all/2"), a.listKeys(".*"));
        assertEquals(new RemoveResult(1, 0), b.removeAll(true));
        assertEquals(List.of(), a.listKeys(".*"));
        assertArrayEquals(new boolean[] {false, false, false}, a.batchExists(List.of("all/1", "all/2", "all/3")));
    }

    @Test
    void batchRemoveReportsRemovedMissingAndLeasedPerKey() {
        a.put("brm/free", Payload.of("brm/free", 10));
        a.put("brm/leased", Payload.of("brm/leased", 20));
        assertTrue(b.exists("brm/leased"));
        List<KeyResult<Boolean>> res = b.batchRemove(List.of("brm/free", "brm/missing", "brm/leased"));
        assertEquals(List.of("brm/free", "brm/missing", "brm/leased"), res.stream().map(KeyResult::key).toList());
        assertEquals(Boolean.TRUE, res.get(0).valueOrThrow());
        assertFailed(ErrorCode.NOT_FOUND, res.get(1));
        assertFailed(ErrorCode.HAS_LEASE, res.get(2));
        assertArrayEquals(new boolean[] {false, true}, a.batchExists(List.of("brm/free", "brm/leased")));
        assertPayload("brm/leased", 20, a.get("brm/leased"));
    }

    // ---------------------------------------------------------------- batches

    @Test
    void batchPutReportsAResultPerKeyAndLeavesExistingKeysUnchanged() {
        // One existing key owned by each node, so the claims run both locally and remotely.
        String old0 = GridTests.keyOwnedBy(cluster, 0, "bp/old-0-");
        String old1 = GridTests.keyOwnedBy(cluster, 1, "bp/old-1-");
        a.put(old0, Payload.of(old0, 111));
        a.put(old1, Payload.of(old1, 112));
        List<String> keys = List.of("bp/new-0", old0, "bp/new-1", old1, "bp/new-2");
        List<byte[]> values = List.of(Payload.of("bp/new-0", 100), Payload.of("changed", 999),
            Payload.of("bp/new-1", 101), Payload.of("changed", 998), Payload.of("bp/new-2", 102));
        List<KeyResult<PutResult>> res = b.batchPut(keys, values);
        assertEquals(keys, res.stream().map(KeyResult::key).toList());
        for (int i = 0; i < keys.size(); i++) {
            PutResult r = res.get(i).valueOrThrow();
            assertEquals(keys.get(i).startsWith("bp/old"), r.existed(), keys.get(i));
            assertEquals(2, r.replicas());
        }
        assertPayload(old0, 111, a.get(old0));
        assertPayload(old1, 112, a.get(old1));
        for (int i = 0; i < 3; i++)
            assertPayload("bp/new-" + i, 100 + i, a.get("bp/new-" + i));
    }

    @Test
    void aBatchPutThatMeetsAnExistingKeyOnAnotherNodeStillStoresEveryNewKey() {
        String existing = GridTests.keyOwnedBy(cluster, 1, "bpx/old-");
        String fresh = GridTests.keyOwnedBy(cluster, 0, "bpx/new-");
        b.put(existing, Payload.of(existing, 64));
        try {
            a.batchPut(List.of(fresh, existing), List.of(Payload.of(fresh, 65), Payload.of("x", 66)));
        } catch (RuntimeException e) {
            // whatever the call reports, the new key must end up stored or absent, never stuck half-written
        }
        if (!a.exists(fresh))
            assertTrue(a.put(fresh, Payload.of(fresh, 65)).stored(), "an absent key can be put again");
        assertPayload(fresh, 65, b.get(fresh));
        assertPayload(existing, 64, a.get(existing));
    }

    @Test
    void batchGetReportsAPayloadPerPresentKeyAndNotFoundPerMissingKey() {
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add("bg/" + i);
            values.add(Payload.of("bg/" + i, 1_000 + i));
        }
        a.batchPut(keys, values).forEach(r -> assertTrue(r.valueOrThrow().stored()));
        List<String> asked = new ArrayList<>(keys);
        asked.add(5, "bg/missing-a");
        asked.add("bg/missing-b");
        List<KeyResult<byte[]>> res = b.batchGet(asked);
        assertEquals(asked, res.stream().map(KeyResult::key).toList());
        for (KeyResult<byte[]> r : res) {
            if (r.key().startsWith("bg/missing")) {
                assertFailed(ErrorCode.NOT_FOUND, r);
            } else {
                int i = Integer.parseInt(r.key().substring(3));
                assertPayload(r.key(), 1_000 + i, r.valueOrThrow());
            }
        }
        assertEquals(List.of(), b.batchGet(List.of()));
    }

    @Test
    void batchPutFromStoresHeapAndDirectBuffersAndLeavesTheirPositionsAlone() {
        byte[] v0 = Payload.of("bpf/0", 4_000);
        byte[] v1 = Payload.of("bpf/1", 3_000);
        ByteBuffer heap = ByteBuffer.allocate(4_100);
        heap.position(50).put(v0).position(50).limit(4_050);
        ByteBuffer direct = Payload.direct(v1);
        List<KeyResult<PutResult>> res = a.batchPutFrom(List.of("bpf/0", "bpf/1"), List.of(heap, direct),
            PutOptions.defaults());
        assertTrue(res.get(0).valueOrThrow().stored());
        assertTrue(res.get(1).valueOrThrow().stored());
        assertEquals(50, heap.position());
        assertEquals(0, direct.position());
        assertArrayEquals(v0, b.get("bpf/0"));
        assertArrayEquals(v1, b.get("bpf/1"));
    }

    @Test
    void batchGetIntoFillsBuffersAndReportsMissingAndTooSmallPerKey() {
        a.put("bgi/0", Payload.of("bgi/0", 1_000));
        a.put("bgi/2", Payload.of("bgi/2", 2_000));
        a.put("bgi/3", Payload.of("bgi/3", 3_000));
        ByteBuffer heap = ByteBuffer.allocate(1_000);
        ByteBuffer forMissing = ByteBuffer.allocate(10);
        ByteBuffer direct = ByteBuffer.allocateDirect(2_500);
        ByteBuffer small = filled(ByteBuffer.allocate(2_999), (byte) 0x5A);
        List<KeyResult<Integer>> res = b.batchGetInto(List.of("bgi/0", "bgi/1", "bgi/2", "bgi/3"),
            List.of(heap, forMissing, direct, small));

        assertEquals(1_000, res.get(0).valueOrThrow());
        assertPayload("bgi/0", 1_000, Payload.bytes(heap, 1_000));
        assertEquals(1_000, heap.position());

        assertFailed(ErrorCode.NOT_FOUND, res.get(1));
        assertEquals(0, forMissing.position());

        assertEquals(2_000, res.get(2).valueOrThrow());
        assertPayload("bgi/2", 2_000, Payload.bytes(direct, 2_000));
        assertEquals(2_000, direct.position());

        assertFailed(ErrorCode.BUFFER_TOO_SMALL, res.get(3));
        assertEquals("buffers[3]", res.get(3).error().argument());
        assertEquals(0, small.position());
        byte[] untouched = Payload.bytes(small, 2_999);
        for (int i = 0; i < untouched.length; i++)
            assertEquals(0x5A, untouched[i], "byte " + i + " of the too-small buffer");
        assertPayload("bgi/3", 3_000, a.get("bgi/3"));
    }

    @Test
    void aBlockRemovedByOneNodeIsGoneForTheOther() {
        b.put("obj/rm-other", Payload.of("obj/rm-other", 300));
        assertNotNull(record("obj/rm-other"));
        a.remove("obj/rm-other");
        assertNull(record("obj/rm-other"));
        assertTrue(b.query("obj/rm-other").isEmpty());
        assertFalse(b.listKeys("obj/rm-.*").contains("obj/rm-other"));
    }
}
