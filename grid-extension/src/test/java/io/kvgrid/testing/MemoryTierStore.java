package io.kvgrid.testing;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.TierContext;
import io.kvgrid.TierStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A capacity-bounded LRU tier in heap memory, for tests of the grid's tiering: asserts where bytes went without disk.
 * Honors the context's drop guard and reports drops, as a real lower tier must.
 */
public final class MemoryTierStore implements TierStore {
    private final TierContext ctx;
    private final long capacity;
    private final Map<String, byte[]> blocks = new LinkedHashMap<>(16, 0.75f, true);
    /** The checksum each block was stored with, as a real tier indexes it (so damage shows). */
    private final Map<String, Integer> checksums = new java.util.HashMap<>();
    private long used;
    private boolean closed;

    public MemoryTierStore(TierContext ctx, long capacity) {
        this.ctx = ctx;
        this.capacity = capacity;
    }

    @Override
    public Tier tier() {
        return Tier.SSD;
    }

    @Override
    public synchronized boolean put(String key, ByteBuffer payload, int checksum) {
        byte[] b = new byte[payload.remaining()];
        payload.duplicate().get(b);
        CRC32C c = new CRC32C();
        c.update(b);
        if ((int) c.getValue() != checksum)
            throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "payload", "does not match checksum of " + key);
        remove(key);
        for (Iterator<Map.Entry<String, byte[]>> it = blocks.entrySet().iterator(); used + b.length > capacity && it.hasNext(); ) {
            Map.Entry<String, byte[]> e = it.next();
            if (!ctx.mayDrop(e.getKey()))
                continue;
            it.remove();
            checksums.remove(e.getKey());
            used -= e.getValue().length;
            ctx.dropped(e.getKey());
        }
        if (used + b.length > capacity)
            return false;
        blocks.put(key, b);
        checksums.put(key, checksum);
        used += b.length;
        return true;
    }

    @Override
    public synchronized int read(String key, ByteBuffer into) {
        byte[] b = blocks.get(key);
        if (b == null)
            return -1;
        if (into.remaining() < b.length)
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "into", b.length + " bytes needed");
        into.put(b);
        return b.length;
    }

    @Override
    public synchronized long size(String key) {
        byte[] b = blocks.get(key);
        return b == null ? -1 : b.length;
    }

    @Override
    public synchronized boolean remove(String key) {
        byte[] b = blocks.remove(key);
        checksums.remove(key);
        if (b != null)
            used -= b.length;
        return b != null;
    }

    @Override
    public synchronized long checksum(String key) {
        Integer c = checksums.get(key);
        return c == null ? -1 : c & 0xffffffffL;
    }

    /** Flips one stored byte of {@code key}, as a failing device would. */
    public synchronized void damage(String key) {
        blocks.get(key)[0] ^= 0x5A;
    }

    /** Whether the tier holds {@code key}, without touching its recency. */
    public synchronized boolean holds(String key) {
        return checksums.containsKey(key);
    }

    @Override
    public void forEachKey(Consumer<String> action) {
        ArrayList<String> keys;
        synchronized (this) {
            keys = new ArrayList<>(blocks.keySet());
        }
        keys.forEach(action);
    }


    @Override
    public synchronized long usedBytes() {
        return used;
    }

    @Override
    public long capacityBytes() {
        return capacity;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }

    public synchronized boolean closed() {
        return closed;
    }
}
