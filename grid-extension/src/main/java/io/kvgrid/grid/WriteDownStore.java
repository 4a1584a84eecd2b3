package io.kvgrid.grid;

import io.kvgrid.TierStore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Two stores, one above the other: writes go to the upper one and, when it cannot take them, down to the lower one;
 * reads look in the upper one first. Before a write would make the upper tier drop blocks to make room, its least
 * recently used blocks that may go are written down into the lower one, so leaving a tier does not lose a block
 * while a tier below has room. (Done before the write, not from the tier's drop question: a tier asks that while it
 * walks its own recency order, and a read then would change it under the walk.)
 */
final class WriteDownStore extends ForwardingStore {
    private final NodeStore below;
    private final Consumer<String> moved;

    /**
     * {@code upper}: one tier's stack; {@code moved}: told of a block written down into a tier of another kind (the
     * record names the tiers holding copies).
     */
    WriteDownStore(NodeStore upper, NodeStore below, Consumer<String> moved) {
        super(upper);
        this.below = below;
        this.moved = moved;
    }

    @Override
    public boolean put(String key, byte[] payload, int crc) {
        makeRoom(key, payload.length);
        if (inner.put(key, payload, crc)) {
            below.remove(key); // an older copy below must not outlive this one
            return true;
        }
        return below.put(key, payload, crc);
    }

    /** Writes least recently used blocks down until {@code bytes} more fit in the upper tier (or nothing may go). */
    private void makeRoom(String key, int bytes) {
        TierStore top = inner.tiers().get(0);
        long old = Math.max(0, inner.size(key));
        long over = top.usedBytes() - old + bytes - top.capacityBytes();
        if (over <= 0 || bytes > top.capacityBytes())
            return;
        List<String> oldestFirst = new ArrayList<>();
        inner.forEachKey(oldestFirst::add);
        for (String v : oldestFirst) {
            if (over <= 0)
                return;
            if (v.equals(key) || !inner.mayDrop(v))
                continue;
            byte[] b;
            try {
                b = inner.get(v);
            } catch (RuntimeException e) {
                continue; // a damaged copy, dropped by the chain
            }
            if (b == null)
                continue;
            int before = inner.holding(v);
            if (!below.put(v, b, Payloads.crc(b)))
                return; // the tier below is full of blocks that may not go: the upper tier drops what it must
            inner.remove(v);
            over -= b.length;
            if (below.holding(v) != before)
                moved.accept(v);
        }
    }

    @Override
    public byte[] get(String key) {
        byte[] b = inner.get(key);
        return b != null ? b : below.get(key);
    }

    @Override
    public boolean remove(String key) {
        boolean a = inner.remove(key);
        return below.remove(key) | a;
    }

    @Override
    public void forEachKey(Consumer<String> action) {
        inner.forEachKey(action);
        below.forEachKey(action);
    }

    @Override
    public int holding(String key) {
        return inner.holding(key) | below.holding(key);
    }

    @Override
    public long size(String key) {
        long s = inner.size(key);
        return s >= 0 ? s : below.size(key);
    }

    @Override
    public long checksum(String key) {
        long c = inner.checksum(key);
        return c >= 0 ? c : below.checksum(key);
    }

    @Override
    public List<TierStore> tiers() {
        List<TierStore> out = new ArrayList<>(inner.tiers());
        out.addAll(below.tiers());
        return out;
    }

    @Override
    public void close() {
        try {
            inner.close();
        } finally {
            below.close();
        }
    }
}
