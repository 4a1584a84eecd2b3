package io.kvgrid;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * A node-local store that a tier below (SSD) or above (GPU) the grid implements. The grid tier stacks such stores:
 * evicted blocks go down, hot blocks come up. Checksums are CRC32C of the payload, computed by the caller.
 *
 * <pre>{@code
 * try (TierStore ssd = SsdTier.open(dir, 64L << 30)) {
 *     ssd.put("blk-1", payload, checksum);
 *     byte[] back = ssd.get("blk-1");
 * }
 * }</pre>
 */
public interface TierStore extends AutoCloseable {
    /** Which tier this store is. */
    Tier tier();

    /**
     * Stores a copy of {@code payload} (its remaining bytes; position unchanged), replacing any copy of the key.
     *
     * @return false when the block cannot fit even after the store dropped what it may drop
     */
    boolean put(String key, ByteBuffer payload, int checksum);

    /**
     * Copies the payload into {@code into} at its position and advances it.
     *
     * @return payload length, or -1 when absent
     * @throws KvGridException BUFFER_TOO_SMALL (nothing written) or CHECKSUM_MISMATCH (the copy is dropped)
     */
    int read(String key, ByteBuffer into);

    /** Payload length, or -1 when absent. */
    long size(String key);

    /** The payload, or {@code null} when absent. */
    default byte[] get(String key) {
        long size = size(key);
        if (size < 0)
            return null;
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        return read(key, buf) < 0 ? null : buf.array();
    }

    /** CRC32C of the stored payload, or -1 when absent (tiers that index checksums override this). */
    default long checksum(String key) {
        byte[] b = get(key);
        if (b == null)
            return -1;
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b);
        return (int) c.getValue() & 0xffffffffL;
    }

    default boolean contains(String key) {
        return size(key) >= 0;
    }

    /** @return true when a copy was removed */
    boolean remove(String key);

    /**
     * Calls {@code action} for each stored key (weakly consistent), least recently used first where the tier keeps
     * recency: a tier above another writes its blocks down in this order before it must drop them.
     */
    void forEachKey(Consumer<String> action);

    long usedBytes();

    long capacityBytes();

    @Override
    void close();
}
