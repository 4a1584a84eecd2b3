package io.kvgrid.grid;

import io.kvgrid.TierStore;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;

/** One configured tier ({@link TierStore}: the SSD tier, the GPU tier, a user's own) as a {@link NodeStore}. */
final class PluggedTier implements NodeStore {
    private final TierStore tier;

    PluggedTier(TierStore tier) {
        this.tier = tier;
    }

    @Override
    public boolean put(String key, byte[] payload, int crc) {
        return tier.put(key, ByteBuffer.wrap(payload), crc);
    }

    @Override
    public byte[] get(String key) {
        return tier.get(key);
    }

    @Override
    public boolean remove(String key) {
        return tier.remove(key);
    }

    @Override
    public void forEachKey(Consumer<String> action) {
        tier.forEachKey(action);
    }

    @Override
    public int holding(String key) {
        return tier.contains(key) ? tier.tier().bit() : 0;
    }

    @Override
    public long size(String key) {
        return tier.size(key);
    }

    @Override
    public long checksum(String key) {
        return tier.checksum(key);
    }

    @Override
    public List<TierStore> tiers() {
        return List.of(tier);
    }

    @Override
    public void close() {
        tier.close();
    }
}
