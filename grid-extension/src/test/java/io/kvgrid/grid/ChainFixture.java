package io.kvgrid.grid;

import io.kvgrid.TierContext;
import io.kvgrid.testing.MemoryTierStore;
import io.kvgrid.testing.Payload;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** In-memory tiers for the store and decorator tests: each asks its place in a chain before it drops a block. */
final class ChainFixture {
    private ChainFixture() {
    }

    /** A tier's context: drop questions go to {@link #store} (the chain around the tier), notices are recorded. */
    static final class Context implements TierContext {
        volatile NodeStore store;
        final List<String> dropped = new CopyOnWriteArrayList<>();

        @Override
        public String nodeId() {
            return "node-a";
        }

        @Override
        public boolean mayDrop(String key) {
            return store == null || store.mayDrop(key);
        }

        @Override
        public void dropped(String key) {
            dropped.add(key);
        }
    }

    /** A tier of {@code capacity} bytes and its context. */
    record Tier(MemoryTierStore tier, Context ctx) {
        static Tier of(long capacity) {
            Context c = new Context();
            return new Tier(new MemoryTierStore(c, capacity), c);
        }

        PluggedTier plugged() {
            return new PluggedTier(tier);
        }
    }

    static byte[] block(String key, int size) {
        return Payload.of(key, size);
    }

    static int crc(byte[] b) {
        return Payloads.crc(b);
    }
}
