package io.kvgrid;

import java.nio.ByteBuffer;

/**
 * Called on the evicting node before an evicted block's payload is freed, so a lower tier can take it.
 * The buffer is read-only and valid only during the call.
 *
 * <pre>{@code
 * config.setEvictionListener((key, meta, payload) -> ssd.put(key, payload, meta.checksum()));
 * }</pre>
 */
@FunctionalInterface
public interface EvictionListener {
    /**
     * @param key     block key
     * @param meta    the block's metadata at eviction
     * @param payload the payload bytes, read-only
     * @return true when the listener kept a copy (the block stays visible from that tier), false if it is dropped
     */
    boolean onEvict(String key, BlockMeta meta, ByteBuffer payload);
}
