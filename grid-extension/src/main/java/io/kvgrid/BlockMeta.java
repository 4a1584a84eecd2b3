package io.kvgrid;

import java.util.List;
import java.util.Set;

/**
 * What kvgrid knows about a stored block, without its payload.
 *
 * <pre>{@code
 * BlockMeta m = store.query("blk-1").orElseThrow();
 * System.out.printf("%d bytes on %s, leased until %d%n", m.size(), m.replicaNodes(), m.leaseUntilMillis());
 * }</pre>
 *
 * @param key              the block key
 * @param size             payload bytes
 * @param checksum         CRC32C of the payload
 * @param replicaNodes     consistent ids of the nodes holding an in-memory copy, primary first
 * @param tiers            tiers holding a copy, fastest first
 * @param leaseUntilMillis end of the current read lease (epoch ms; in the past when not leased)
 * @param softPinUntilMillis end of the soft pin (epoch ms; 0 when not soft-pinned)
 * @param hardPinned       hard-pinned blocks are never evicted
 * @param createdMillis    when the block became visible
 * @param lastAccessMillis last read or write
 */
public record BlockMeta(String key, long size, int checksum, List<String> replicaNodes, Set<Tier> tiers,
                        long leaseUntilMillis, long softPinUntilMillis, boolean hardPinned, long createdMillis,
                        long lastAccessMillis) {
    /** True when a read lease is in force at {@code nowMillis}. */
    public boolean leasedAt(long nowMillis) {
        return leaseUntilMillis > nowMillis;
    }

    /** True when a soft pin is in force at {@code nowMillis}. */
    public boolean softPinnedAt(long nowMillis) {
        return softPinUntilMillis > nowMillis;
    }
}
