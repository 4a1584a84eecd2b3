package io.kvgrid.grid;

import io.kvgrid.TierStore;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Two stores, one above the other: writes go to the upper one and, when it cannot take them, down to the lower one;
 * reads look in the upper one first. A block the upper store drops to make room is first written down into the
 * lower one, so leaving a tier does not lose it while a tier below has room.
 */
final class WriteDownStore extends ForwardingStore {
    private final NodeStore below;

    WriteDownStore(NodeStore upper, NodeStore below) {
        super(upper);
        this.below = below;
    }

    @Override
    public boolean put(String key, byte[] payload, int crc) {
        if (inner.put(key, payload, crc)) {
            below.remove(key); // an older copy below must not outlive this one
            return true;
        }
        return below.put(key, payload, crc);
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

    /** The upper tier is about to drop {@code key}: if its rules allow that, the block goes down first. */
    @Override
    public boolean mayDrop(String key) {
        if (!inner.mayDrop(key))
            return false;
        try {
            byte[] b = inner.get(key);
            if (b != null)
                below.put(key, b, Payloads.crc(b));
        } catch (RuntimeException e) {
            // A damaged copy, or a full tier below: the block leaves this node's tiers, and the grid hears of it.
        }
        return true;
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
