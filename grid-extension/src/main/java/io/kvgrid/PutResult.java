package io.kvgrid;

/**
 * Outcome of one put: whether the key already existed (write-once puts then leave it unchanged) and how many
 * replicas hold the block now.
 *
 * <pre>{@code
 * PutResult r = store.put("blk-1", bytes, PutOptions.builder().replicas(3).build());
 * if (r.replicas() < 3) log.warn("cluster too small, only " + r.replicas() + " copies");
 * }</pre>
 */
public record PutResult(boolean existed, int replicas) {
    /** True when this call stored the bytes. */
    public boolean stored() {
        return !existed;
    }
}
