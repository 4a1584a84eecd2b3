package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names of put calls, unique in the cluster. A put sent to its records' primary over a block channel is sent again
 * the usual way when the connection breaks before its answer arrives; if the first one landed, the record it
 * installed carries the call's name, so the second reports the block as this call's own write ({@code existed}
 * false) instead of as a block someone else stored first.
 */
public final class WriteIds {
    /** Longest name a node takes, in UTF-8 bytes. */
    static final int MAX_BYTES = 128;
    private final String prefix;
    private final AtomicLong seq = new AtomicLong();

    /** Names starting with {@code writer} (a node id) or, when null, with a random id (a thin client's). */
    public WriteIds(String writer) {
        this.prefix = (writer == null ? UUID.randomUUID().toString() : writer) + "/";
    }

    /** A new name. */
    public String next() {
        return prefix + Long.toString(seq.incrementAndGet(), 36);
    }

    /**
     * {@code id} when null or 1 to {@link #MAX_BYTES} bytes long; INVALID_ARGUMENT naming {@code writeId} otherwise.
     */
    static String checked(String id) {
        if (id != null && id.isEmpty())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "writeId", "a write id is not empty");
        if (id != null && id.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "writeId", "a write id is at most " + MAX_BYTES
                + " bytes, was " + id.getBytes(StandardCharsets.UTF_8).length);
        return id;
    }
}
