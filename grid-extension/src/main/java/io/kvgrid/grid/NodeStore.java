package io.kvgrid.grid;

import io.kvgrid.Tier;

import java.util.List;
import java.util.function.Consumer;

/**
 * A node-local block store: one tier on this node (GPU memory, an SSD) or a decorator around one. The chain a node
 * builds from {@code KvGridConfiguration.tiers} is made of these (see {@link TierChain}); the grid's own memory
 * tier sits between the stores above it and those below. Payloads are whole blocks, checksums their CRC32C.
 */
interface NodeStore extends AutoCloseable {
    /** Stores a copy of {@code payload}, replacing any copy of the key; false when the store cannot take it. */
    boolean put(String key, byte[] payload, int crc);

    /**
     * The payload, or {@code null} when absent.
     *
     * @throws io.kvgrid.KvGridException CHECKSUM_MISMATCH when the copy is damaged (it is dropped)
     */
    byte[] get(String key);

    /** @return true when a copy was removed */
    boolean remove(String key);

    /** Calls {@code action} for each stored key (weakly consistent). */
    void forEachKey(Consumer<String> action);

    /** {@link Tier#bit()}s of the tiers in this store (chain) that hold a copy of the key; 0 for none. */
    int holding(String key);

    /** Payload length, or -1 when absent. */
    long size(String key);

    /** CRC32C of the stored payload (as recorded when it was stored), or -1 when absent. */
    long checksum(String key);

    /**
     * Asked by the tier inside this store before it drops {@code key} to make room: false keeps the block. Decorators
     * add their own rules (leases, pins) and may act first (write the block down to the next store).
     */
    default boolean mayDrop(String key) {
        return true;
    }

    /** A read served {@code key} from below this store (the grid, a lower tier): promotion counts these. */
    default void hit(String key, byte[] payload, int crc) {
    }

    /** The tiers in this store (chain), fastest first, for gauges and stats. */
    List<io.kvgrid.TierStore> tiers();

    @Override
    void close();
}
