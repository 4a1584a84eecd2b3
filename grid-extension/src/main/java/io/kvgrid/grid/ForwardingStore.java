package io.kvgrid.grid;

import io.kvgrid.TierStore;

import java.util.List;
import java.util.function.Consumer;

/** A decorator's base: everything goes to the inner store unless the decorator overrides it. */
abstract class ForwardingStore implements NodeStore {
    final NodeStore inner;

    ForwardingStore(NodeStore inner) {
        this.inner = inner;
    }

    @Override
    public boolean put(String key, byte[] payload, int crc) {
        return inner.put(key, payload, crc);
    }

    @Override
    public byte[] get(String key) {
        return inner.get(key);
    }

    @Override
    public boolean remove(String key) {
        return inner.remove(key);
    }

    @Override
    public void forEachKey(Consumer<String> action) {
        inner.forEachKey(action);
    }

    @Override
    public int holding(String key) {
        return inner.holding(key);
    }

    @Override
    public long size(String key) {
        return inner.size(key);
    }

    @Override
    public long checksum(String key) {
        return inner.checksum(key);
    }

    @Override
    public boolean mayDrop(String key) {
        return inner.mayDrop(key);
    }

    @Override
    public void hit(String key, byte[] payload, int crc) {
        inner.hit(key, payload, crc);
    }

    @Override
    public List<TierStore> tiers() {
        return inner.tiers();
    }

    @Override
    public void close() {
        inner.close();
    }
}
