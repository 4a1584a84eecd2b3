package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compute jobs that read or drop blocks in the lower tier of the node they run on. */
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
            return read(KvGridRuntime.bridge(ignite), keys);
        }
    }

    static Map<String, Object> read(TierBridge bridge, List<String> keys) {
        Map<String, Object> out = new HashMap<>();
        for (String k : keys) {
            try {
                if (bridge == null)
                    throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, "key", "node has no lower tier for " + k);
                byte[] b = bridge.read(k);
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
            TierBridge b = KvGridRuntime.bridge(ignite);
            int n = 0;
            if (b != null)
                for (String k : keys)
                    if (b.tier().remove(k))
                        n++;
            return n;
        }
    }
}
