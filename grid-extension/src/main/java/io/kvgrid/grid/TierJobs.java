package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compute jobs that read or drop blocks in the tiers around memory of the node they run on. */
final class TierJobs {
    private TierJobs() {
    }

    /** Reads keys from the local lower tier: byte[] per key found, a KvGridException per key that failed. */
    static final class Read implements IgniteCallable<Map<String, Object>> {
        private static final long serialVersionUID = 1L;
        private final List<String> keys;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Read(List<String> keys) {
            this.keys = keys;
        }

        @Override
        public Map<String, Object> call() {
            return read(KvGridRuntime.tiers(ignite), keys);
        }
    }

    static Map<String, Object> read(NodeTiers tiers, List<String> keys) {
        Map<String, Object> out = new HashMap<>();
        for (String k : keys) {
            try {
                if (tiers == null || tiers.below() == null)
                    throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, "key", "node has no tier below memory for " + k);
                byte[] b = tiers.readBelow(k);
                if (b != null)
                    out.put(k, b);
            } catch (KvGridException e) {
                out.put(k, e);
            }
        }
        return out;
    }

    static final class Drop implements IgniteCallable<Integer> {
        private static final long serialVersionUID = 1L;
        private final List<String> keys;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Drop(List<String> keys) {
            this.keys = keys;
        }

        @Override
        public Integer call() {
            NodeTiers t = KvGridRuntime.tiers(ignite);
            if (t != null)
                keys.forEach(t::drop);
            return keys.size();
        }
    }
}
