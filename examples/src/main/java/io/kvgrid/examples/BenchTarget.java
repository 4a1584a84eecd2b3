package io.kvgrid.examples;

import java.util.List;

/** A store the put/get workload of {@code kvgrid bench} runs against: kvgrid, a plain Ignite cache or Redis. */
interface BenchTarget extends AutoCloseable {
    String system();

    int nodes();

    /** True when the server nodes run in JVMs of their own (this JVM is a client of them). */
    default boolean processes() {
        return false;
    }

    /** Copies of each block the store keeps. */
    default int copies() {
        return Math.min(2, nodes());
    }

    void put(String key, byte[] value) throws Exception;

    /** The value, or null when absent. */
    byte[] get(String key) throws Exception;

    /** True when the store reads a value into a caller's buffer ({@link #getInto}). */
    default boolean readsInto() {
        return false;
    }

    /** Reads the value into {@code buf} from its position (the store's own getInto); returns its length. */
    default int getInto(String key, java.nio.ByteBuffer buf) throws Exception {
        throw new UnsupportedOperationException(system() + " reads no value into a buffer");
    }

    /** Values in key order, null where absent; one request per owning node where the store can. */
    List<byte[]> batchGet(List<String> keys) throws Exception;

    /** Drops every block, so the next block size starts from an empty store. */
    void clear() throws Exception;

    @Override
    void close();
}
