package io.kvgrid;

import java.nio.ByteBuffer;

/**
 * Called on the evicting node, in eviction order, before an evicted block's payload is freed (after a configured lower
 * tier took its copy). The buffer is read-only and valid only during the call; the listener must not call the store.
 *
 * <pre>{@code
 * config.setEvictionListener((key, meta, payload) -> archive.write(key, payload));
 * }</pre>
 */
@FunctionalInterface
public interface EvictionListener {
    /**
     * @param key     block key
     * @param meta    the block's metadata at eviction
     * @param payload the payload bytes, read-only
     */
    void onEvict(String key, BlockMeta meta, ByteBuffer payload);
}
