package io.kvgrid.grid;

import io.kvgrid.BlockStore;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.PutOptions;
import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.kvgrid.grid.GridTests.assertFails;
import static io.kvgrid.testing.Payload.assertPayload;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input: every call gets a typed error naming the offending argument, and the store's contents (visible keys and
 * their bytes) are exactly what they were before.
 */
@Timeout(600)
class ArgumentErrorsTest {
    private static final int MAX_BLOCK = 64 * 1024;
    private static TestCluster cluster;
    private static BlockStore store;

    @BeforeAll
    static void startCluster() {
        KvGridConfiguration cfg = TestCluster.smallConfig();
        cfg.setMaxBlockBytes(MAX_BLOCK);
        cluster = GridTests.cluster(1, cfg);
        store = cluster.store(0);
        store.put("seed/1", Payload.of("seed/1", 1_000));
        store.put("seed/2", Payload.of("seed/2", 2_000));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null)
            cluster.close();
    }

    /** Expects the error and checks that nothing visible changed; the seed blocks are always still there. */
    private static void rejects(ErrorCode code, String argument, Executable call) {
        Map<String, byte[]> before = GridTests.contents(store);
        assertTrue(before.containsKey("seed/1") && before.containsKey("seed/2"));
        assertFails(code, argument, call);
        GridTests.assertSameContents(before, GridTests.contents(store));
        assertPayload("seed/1", 1_000, store.get("seed/1"));
    }

    private static byte[] value(String key) {
        return Payload.of(key, 100);
    }

    @Test
    void nullAndEmptyKeysAreRejectedByEveryWriteWithInvalidKey() {
        for (String bad : Arrays.asList(null, "")) {
            rejects(ErrorCode.INVALID_KEY, "key", () -> store.put(bad, value("v")));
            rejects(ErrorCode.INVALID_KEY, "key", () -> store.upsert(bad, value("v")));
            rejects(ErrorCode.INVALID_KEY, "key", () -> store.putFrom(bad, ByteBuffer.wrap(value("v")), PutOptions.defaults()));
            rejects(ErrorCode.INVALID_KEY, "key", () -> store.putParts(bad, List.of(ByteBuffer.wrap(value("v"))), PutOptions.defaults()));
            rejects(ErrorCode.INVALID_KEY, "key", () -> store.query(bad));
            rejects(ErrorCode.INVALID_KEY, "key", () -> store.size(bad));
        }
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.get(null));
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.exists(null));
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.remove(null));
    }

    @Test
    void singleKeyCallsNameTheirOwnArgumentsNotTheBatchCallTheyDelegateTo() {
        ByteBuffer readOnly = ByteBuffer.allocate(5_000).asReadOnlyBuffer();
        ByteBuffer small = ByteBuffer.allocate(10);
        assertAll(
            () -> rejects(ErrorCode.INVALID_KEY, "key", () -> store.get("")),
            () -> rejects(ErrorCode.INVALID_KEY, "key", () -> store.exists("")),
            () -> rejects(ErrorCode.INVALID_KEY, "key", () -> store.remove("")),
            () -> rejects(ErrorCode.INVALID_KEY, "key", () -> store.getInto("", ByteBuffer.allocate(10))),
            () -> rejects(ErrorCode.INVALID_ARGUMENT, "buffer", () -> store.getInto("seed/1", readOnly)),
            () -> rejects(ErrorCode.BUFFER_TOO_SMALL, "buffer", () -> store.getInto("seed/1", small)),
            () -> rejects(ErrorCode.INVALID_ARGUMENT, "value", () -> store.put("big/v", new byte[MAX_BLOCK + 1])),
            () -> rejects(ErrorCode.INVALID_ARGUMENT, "value", () -> store.upsert("big/u", new byte[MAX_BLOCK + 1])),
            () -> rejects(ErrorCode.INVALID_ARGUMENT, "buffer",
                () -> store.putFrom("big/b", ByteBuffer.allocateDirect(MAX_BLOCK + 1), PutOptions.defaults())));
        assertEquals(0, small.position());
    }

    @Test
    void aKeyLongerThanMaxKeyBytesInUtf8IsRejectedAndOneOfExactlyMaxKeyBytesIsAccepted() {
        String ascii = "k".repeat(BlockStore.MAX_KEY_BYTES + 1);
        String euros = "\u20ac".repeat(342);                         // 342 chars, 1 026 UTF-8 bytes
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.put(ascii, value(ascii)));
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.put(euros, value(euros)));
        rejects(ErrorCode.INVALID_KEY, "keys[1]", () -> store.batchPut(List.of("long/ok", euros),
            List.of(value("long/ok"), value(euros))));
        rejects(ErrorCode.INVALID_KEY, "keys[0]", () -> store.batchGet(List.of(ascii)));

        String longest = "\u20ac".repeat(341) + "k";                 // exactly 1 024 UTF-8 bytes
        assertTrue(store.put(longest, value(longest)).stored());
        assertPayload(longest, 100, store.get(longest));
        assertEquals(List.of(longest), store.listKeys("\u20ac+k"));
        store.remove(longest, true);
    }

    @Test
    void aKeyWithANulCharacterIsRejected() {
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.put("seed/1\0x", value("nul")));
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.upsert("a\0", value("nul")));
        rejects(ErrorCode.INVALID_KEY, "key", () -> store.query("seed/1\0"));
        rejects(ErrorCode.INVALID_KEY, "ids[0]", () -> store.lookup(List.of("\0")));
    }

    @Test
    void aBlockLargerThanMaxBlockBytesIsRejectedAndOneOfExactlyMaxBlockBytesIsStored() {
        ByteBuffer half = ByteBuffer.allocate(MAX_BLOCK / 2);
        rejects(ErrorCode.INVALID_ARGUMENT, "parts", () -> store.putParts("big/p",
            List.of(half, ByteBuffer.allocateDirect(1), half.duplicate()), PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "parts", () -> store.upsertParts("seed/1",
            List.of(ByteBuffer.allocate(MAX_BLOCK + 1)), PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "values[1]", () -> store.batchPut(List.of("big/ok", "big/no"),
            List.of(value("big/ok"), new byte[MAX_BLOCK + 1])));
        assertEquals(0, half.position());

        byte[] exact = Payload.of("big/exact", MAX_BLOCK);
        assertTrue(store.put("big/exact", exact).stored());
        assertPayload("big/exact", MAX_BLOCK, store.get("big/exact"));
        store.remove("big/exact", true);
    }

    @Test
    void invalidPutOptionValuesAreRejectedByTheBuilderNamingTheSetting() {
        assertFails(ErrorCode.INVALID_ARGUMENT, "replicas", () -> PutOptions.builder().replicas(0));
        assertFails(ErrorCode.INVALID_ARGUMENT, "replicas", () -> PutOptions.builder().replicas(-2));
        assertFails(ErrorCode.INVALID_ARGUMENT, "softPin", () -> PutOptions.builder().softPin(Duration.ZERO));
        assertFails(ErrorCode.INVALID_ARGUMENT, "softPin", () -> PutOptions.builder().softPin(Duration.ofMillis(-1)));
        assertFails(ErrorCode.INVALID_ARGUMENT, "softPin", () -> PutOptions.builder().softPin(null));
        assertFails(ErrorCode.INVALID_ARGUMENT, "preferredNode", () -> PutOptions.builder().preferredNode(null));
        assertFails(ErrorCode.INVALID_ARGUMENT, "preferredNode", () -> PutOptions.builder().preferredNode(""));
    }

    @Test
    void optionsBeyondTheStoresLimitsAreRejectedAtPutAndStoreNothing() {
        PutOptions fourCopies = PutOptions.builder().replicas(4).build();   // maxReplicas is 3
        PutOptions dayLongPin = PutOptions.builder().softPin(Duration.ofHours(25)).build();  // max is 24 h
        rejects(ErrorCode.INVALID_ARGUMENT, "replicas", () -> store.put("opt/r4", value("opt/r4"), fourCopies));
        rejects(ErrorCode.INVALID_ARGUMENT, "replicas", () -> store.upsert("seed/2", value("x"), fourCopies));
        rejects(ErrorCode.INVALID_ARGUMENT, "replicas", () -> store.batchPut(List.of("opt/b"), List.of(value("opt/b")), fourCopies));
        rejects(ErrorCode.INVALID_ARGUMENT, "softPin", () -> store.put("opt/pin", value("opt/pin"), dayLongPin));
        rejects(ErrorCode.INVALID_ARGUMENT, "options", () -> store.put("opt/null", value("opt/null"), null));
    }

    @Test
    void nullValuesBuffersAndListsAreRejectedNamingThem() {
        rejects(ErrorCode.INVALID_ARGUMENT, "value", () -> store.put("nv/1", null));
        rejects(ErrorCode.INVALID_ARGUMENT, "buffer", () -> store.putFrom("nv/2", null, PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "parts", () -> store.putParts("nv/3", null, PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "parts[1]", () -> store.putParts("nv/4",
            Arrays.asList(ByteBuffer.allocate(3), null), PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "values", () -> store.batchPut(List.of("nv/5", "nv/6"),
            Arrays.asList(value("nv/5"), null)));
        rejects(ErrorCode.INVALID_ARGUMENT, "values[1]", () -> store.batchPutFrom(List.of("nv/7", "nv/8"),
            Arrays.asList(ByteBuffer.allocate(3), null), PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "keys", () -> store.batchGet(null));
        rejects(ErrorCode.INVALID_ARGUMENT, "keys", () -> store.batchRemove(null, true));
        rejects(ErrorCode.INVALID_ARGUMENT, "ids", () -> store.lookup(null));
        rejects(ErrorCode.INVALID_ARGUMENT, "ids", () -> store.prefetch(null));
        rejects(ErrorCode.INVALID_ARGUMENT, "buffers[0]", () -> store.batchGetInto(List.of("seed/1"),
            Arrays.asList((ByteBuffer) null)));
    }

    @Test
    void listsOfDifferentLengthsAreRejectedNamingTheShorterList() {
        rejects(ErrorCode.INVALID_ARGUMENT, "values", () -> store.batchPut(List.of("len/1", "len/2"),
            List.of(value("len/1"))));
        rejects(ErrorCode.INVALID_ARGUMENT, "values", () -> store.batchPutFrom(List.of("len/3"),
            List.of(ByteBuffer.allocate(1), ByteBuffer.allocate(2)), PutOptions.defaults()));
        rejects(ErrorCode.INVALID_ARGUMENT, "buffers", () -> store.batchGetInto(List.of("seed/1", "seed/2"),
            List.of(ByteBuffer.allocate(5_000))));
        rejects(ErrorCode.INVALID_ARGUMENT, "shardIndex", () -> store.load(List.of("seed/1"), new int[] {0, 0},
            List.of(ByteBuffer.allocate(5_000))));
        rejects(ErrorCode.INVALID_ARGUMENT, "buffers", () -> store.dump(List.of("len/4", "len/5"), new int[] {0, 0},
            List.of(ByteBuffer.allocate(5))));
    }

    @Test
    void aBatchPutWithTheSameKeyTwiceIsRejectedAndStoresNothing() {
        rejects(ErrorCode.INVALID_ARGUMENT, "keys", () -> store.batchPut(List.of("dup/1", "dup/2", "dup/1"),
            List.of(value("dup/1"), value("dup/2"), value("dup/3"))));
        rejects(ErrorCode.INVALID_ARGUMENT, "ids", () -> store.dump(List.of("dup/4", "dup/4"), new int[] {0, 0},
            List.of(ByteBuffer.wrap(value("a")), ByteBuffer.wrap(value("b")))));
    }

    @Test
    void aBatchWithOneInvalidKeyIsRejectedWholeNamingTheKeysIndex() {
        List<String> keys = new ArrayList<>(List.of("seed/1", "seed/2", "bad/"));
        keys.set(2, "");
        rejects(ErrorCode.INVALID_KEY, "keys[2]", () -> store.batchPut(keys,
            List.of(value("a"), value("b"), value("c"))));
        rejects(ErrorCode.INVALID_KEY, "keys[2]", () -> store.batchGet(keys));
        rejects(ErrorCode.INVALID_KEY, "keys[2]", () -> store.batchRemove(keys, true));
        rejects(ErrorCode.INVALID_KEY, "keys[1]", () -> store.batchRemove(Arrays.asList("seed/2", null), true));
        rejects(ErrorCode.INVALID_KEY, "ids[2]", () -> store.lookup(keys));
        rejects(ErrorCode.INVALID_KEY, "ids[2]", () -> store.prefetch(keys));
    }

    @Test
    void anInvalidRegexIsRejectedByListKeysQueryByRegexAndRemoveByRegex() {
        rejects(ErrorCode.INVALID_ARGUMENT, "regex", () -> store.listKeys("seed/(1"));
        rejects(ErrorCode.INVALID_ARGUMENT, "regex", () -> store.queryByRegex("[seed"));
        rejects(ErrorCode.INVALID_ARGUMENT, "regex", () -> store.removeByRegex("seed/*+*", true));
        rejects(ErrorCode.INVALID_ARGUMENT, "regex", () -> store.removeByRegex(null, true));
        rejects(ErrorCode.INVALID_ARGUMENT, "regex", () -> store.listKeys(null));
    }

    @Test
    void aReadOnlyBufferIsRejectedByBatchGetIntoAndLoadWithoutReadingAnything() {
        ByteBuffer ro = ByteBuffer.allocate(5_000).asReadOnlyBuffer();
        rejects(ErrorCode.INVALID_ARGUMENT, "buffers[1]", () -> store.batchGetInto(List.of("seed/1", "seed/2"),
            List.of(ByteBuffer.allocate(5_000), ro)));
        rejects(ErrorCode.INVALID_ARGUMENT, "buffers[0]", () -> store.load(List.of("seed/1"), new int[] {0},
            List.of(ro)));
        assertEquals(0, ro.position());
    }

    @Test
    void aShardIndexOutOfRangeIsRejectedByLoadAndDump() {
        ByteBuffer buf = ByteBuffer.allocate(5_000);
        rejects(ErrorCode.INVALID_ARGUMENT, "shardIndex[0]", () -> store.load(List.of("seed/1"), new int[] {1}, List.of(buf)));
        rejects(ErrorCode.INVALID_ARGUMENT, "shardIndex[1]", () -> store.load(List.of("seed/1", "seed/2"),
            new int[] {0, -1}, List.of(buf, ByteBuffer.allocate(5_000))));
        rejects(ErrorCode.INVALID_ARGUMENT, "shardIndex[0]", () -> store.dump(List.of("sh/1"), new int[] {1},
            List.of(ByteBuffer.wrap(value("sh/1")))));
        rejects(ErrorCode.INVALID_ARGUMENT, "shardIndex", () -> store.dump(List.of("sh/2"), null,
            List.of(ByteBuffer.wrap(value("sh/2")))));
        assertEquals(0, buf.position());
    }
}
