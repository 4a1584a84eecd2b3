package io.kvgrid.grid;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Promotion into a fast store after {@code threshold} hits: every read served from below counts one for its block;
 * the read that reaches the threshold copies the block into the store. Counts are node-local and bounded (all are
 * forgotten when too many blocks are counting at once, so a scan never fills the fast store).
 */
final class PromotingStore extends ForwardingStore {
    private static final int MAX_COUNTING = 1 << 16;
    private final int threshold;
    private final Map<String, Integer> hits = new ConcurrentHashMap<>();
    private final Runnable onPromoted;

    PromotingStore(NodeStore inner, int threshold, Runnable onPromoted) {
        super(inner);
        if (threshold < 1)
            throw new IllegalArgumentException("threshold " + threshold);
        this.threshold = threshold;
        this.onPromoted = onPromoted;
    }

    @Override
    public void hit(String key, byte[] payload, int crc) {
        if (hits.size() >= MAX_COUNTING)
            hits.clear();
        int n = hits.merge(key, 1, Integer::sum);
        if (n < threshold)
            return;
        hits.remove(key);
        if (inner.put(key, payload, crc))
            onPromoted.run();
    }

    @Override
    public boolean remove(String key) {
        hits.remove(key);
        return inner.remove(key);
    }
}
