package io.kvgrid;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kvgrid store: Mooncake-style object operations and UCM-style block operations on one interface.
 *
 * <p>Keys are non-empty strings of at most {@link #MAX_KEY_BYTES} UTF-8 bytes of valid text: no control characters,
 * no lone surrogates, no U+FFFE or U+FFFF. Blocks are
 * write-once through {@code put}; {@code upsert} replaces. A block is visible only once completely written. Batch
 * calls send one request per owning node and report a result per key. Reads ({@code exists}, {@code lookup},
 * {@code get}, {@code load}, {@code query}) grant or extend a read lease on the blocks they find.
 *
 * <p>Only a few methods are abstract; the rest are conveniences over them.
 *
 * <pre>{@code
 * try (KvGridNode node = KvGrid.startEmbedded()) {
 *     BlockStore store = node.store();
 *     store.put("model-a/blk-0", kvBytes);
 *     int hit = store.lookupOnPrefixLength(List.of("model-a/blk-0", "model-a/blk-1"));   // 1
 *     store.load(List.of("model-a/blk-0"), new int[] {0}, List.of(ByteBuffer.allocateDirect(kvBytes.length)))
 *          .await();
 * }
 * }</pre>
 */
public interface BlockStore extends AutoCloseable {
    /** Longest key, in UTF-8 bytes. */
    int MAX_KEY_BYTES = 1024;

    // ---------------------------------------------------------------- writes

    /** Write-once put of the concatenation of {@code parts}; an existing key is left unchanged ({@code existed()}). */
    PutResult putParts(String key, List<ByteBuffer> parts, PutOptions options);

    /** Stores the concatenation of {@code parts}, replacing any existing block of the key. */
    PutResult upsertParts(String key, List<ByteBuffer> parts, PutOptions options);

    /** Write-once put of many blocks; one request per owning node. Buffer positions are left unchanged. */
    List<KeyResult<PutResult>> batchPutFrom(List<String> keys, List<ByteBuffer> values, PutOptions options);

    // ---------------------------------------------------------------- reads

    /** Payloads of many blocks; one request per owning node; NOT_FOUND per missing key. */
    List<KeyResult<byte[]>> batchGet(List<String> keys);

    /**
     * Copies each block into the matching buffer at its position and advances it; the value is the byte count.
     * A buffer with too little room gets BUFFER_TOO_SMALL and is not written. Any other failure (a block that does not
     * match its checksum, one removed while read) leaves the position where it was, though bytes past it may have been
     * written: a node holding the block reads it out of its pages straight into the buffer.
     */
    List<KeyResult<Integer>> batchGetInto(List<String> keys, List<ByteBuffer> buffers);

    /** Metadata of a visible block, without payload; grants a read lease. */
    Optional<BlockMeta> query(String key);

    /** Keys of visible blocks whose whole key matches {@code regex}. */
    List<String> listKeys(String regex);

    // ---------------------------------------------------------------- removal

    /**
     * Removes blocks from every tier. Leased blocks fail with HAS_LEASE unless {@code force}; absent keys give
     * NOT_FOUND; the value is true when removed.
     */
    List<KeyResult<Boolean>> batchRemove(List<String> keys, boolean force);

    /** Removes every visible block whose key matches {@code regex}; leased ones are skipped unless forced. */
    RemoveResult removeByRegex(String regex, boolean force);

    // ---------------------------------------------------------------- block (UCM) operations

    /** For each id, whether a completely written block is stored in some tier. Grants read leases on hits. */
    boolean[] lookup(List<String> ids);

    /** Hint that these blocks will be loaded soon (warms them into memory). Never fails for missing ids. */
    void prefetch(List<String> ids);

    /**
     * Asynchronously copies shard {@code shardIndex[i]} of block {@code ids.get(i)} into {@code buffers.get(i)}.
     * A block is {@code shardsPerBlock} equal shards (configuration).
     */
    BlockTask load(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers);

    /**
     * Asynchronously stores shard {@code shardIndex[i]} of block {@code ids.get(i)} from {@code buffers.get(i)}. A
     * block becomes visible when all its shards are dumped; dumping an existing block is a no-op.
     */
    BlockTask dump(List<String> ids, int[] shardIndex, List<ByteBuffer> buffers);

    /**
     * {@link #load(List, int[], List)} into buffers in accelerator memory: blocks the node's GPU tier holds are copied
     * device to device, others host to device through pinned staging; same shard arithmetic, {@link BlockTask}
     * semantics and errors. INVALID_ARGUMENT ("buffers[i]") when no GPU tier of this node reaches a buffer's device
     * (thin clients and nodes without one use the {@code ByteBuffer} form).
     */
    default BlockTask load(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "buffers", "this store reaches no device memory; load "
            + "into ByteBuffers, or through an embedded server node with a GPU tier");
    }

    /**
     * {@link #dump(List, int[], List)} from buffers in accelerator memory (copied device to host through pinned
     * staging). INVALID_ARGUMENT ("buffers[i]") when no GPU tier of this node reaches a buffer's device.
     */
    default BlockTask dump(List<String> ids, int[] shardIndex, DeviceBuffer[] buffers) {
        throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "buffers", "this store reaches no device memory; dump "
            + "from ByteBuffers, or through an embedded server node with a GPU tier");
    }

    /** Counters of this node's share of the store. */
    NodeStats localStats();

    @Override
    void close();

    // ================================================================ conveniences

    default PutResult put(String key, byte[] value) {
        return put(key, value, PutOptions.defaults());
    }

    default PutResult put(String key, byte[] value, PutOptions options) {
        return putFrom(key, wrap(value, "value"), options);
    }

    /** Write-once put of the remaining bytes of {@code buffer} (heap or direct), copied once into the grid. */
    default PutResult putFrom(String key, ByteBuffer buffer, PutOptions options) {
        return putParts(key, List.of(nonNull(buffer, "buffer")), options);
    }

    default PutResult upsert(String key, byte[] value) {
        return upsert(key, value, PutOptions.defaults());
    }

    default PutResult upsert(String key, byte[] value, PutOptions options) {
        return upsertParts(key, List.of(wrap(value, "value")), options);
    }

    default List<KeyResult<PutResult>> batchPut(List<String> keys, List<byte[]> values) {
        return batchPut(keys, values, PutOptions.defaults());
    }

    default List<KeyResult<PutResult>> batchPut(List<String> keys, List<byte[]> values, PutOptions options) {
        nonNull(values, "values");
        List<ByteBuffer> bufs = new ArrayList<>(values.size());
        for (byte[] v : values)
            bufs.add(wrap(v, "values"));
        return batchPutFrom(keys, bufs, options);
    }

    /** The payload; NOT_FOUND when absent. */
    default byte[] get(String key) {
        return batchGet(List.of(nonNullKey(key))).get(0).valueOrThrow();
    }

    /** Copies the block into {@code buffer}; returns bytes read. BUFFER_TOO_SMALL writes nothing. */
    default int getInto(String key, ByteBuffer buffer) {
        return batchGetInto(List.of(nonNullKey(key)), List.of(nonNull(buffer, "buffer"))).get(0).valueOrThrow();
    }

    /** Payload size in bytes; NOT_FOUND when absent. */
    default long size(String key) {
        return query(key).orElseThrow(() -> new KvGridException(ErrorCode.NOT_FOUND, "key", "no block " + key)).size();
    }

    default boolean exists(String key) {
        return lookup(List.of(nonNullKey(key)))[0];
    }

    default boolean[] batchExists(List<String> keys) {
        return lookup(keys);
    }

    /**
     * Length of the longest leading run of ids that are stored: 0 when the first is missing, {@code ids.size()} when
     * all are. (UCM's {@code lookup_on_prefix} returns the last index instead; this returns a count.)
     */
    default int lookupOnPrefixLength(List<String> ids) {
        boolean[] found = lookup(ids);
        int n = 0;
        while (n < found.length && found[n])
            n++;
        return n;
    }

    default List<BlockMeta> queryByRegex(String regex) {
        List<BlockMeta> out = new ArrayList<>();
        for (String k : listKeys(regex))
            query(k).ifPresent(out::add);
        return out;
    }

    /** Removes a block; HAS_LEASE when leased, NOT_FOUND when absent. */
    default void remove(String key) {
        remove(key, false);
    }

    default void remove(String key, boolean force) {
        batchRemove(List.of(nonNullKey(key)), force).get(0).valueOrThrow();
    }

    default List<KeyResult<Boolean>> batchRemove(List<String> keys) {
        return batchRemove(keys, false);
    }

    default RemoveResult removeAll(boolean force) {
        return removeByRegex(".*", force);
    }

    private static ByteBuffer wrap(byte[] value, String name) {
        return ByteBuffer.wrap(nonNull(value, name));
    }

    private static <T> T nonNull(T v, String name) {
        if (v == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, name, "must not be null");
        return v;
    }

    private static String nonNullKey(String key) {
        if (key == null)
            throw new KvGridException(ErrorCode.INVALID_KEY, "key", "must not be null");
        return key;
    }
}
