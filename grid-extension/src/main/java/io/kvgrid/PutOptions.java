package io.kvgrid;

import java.time.Duration;

/**
 * How a block is stored: replica count, soft or hard pin, preferred node. Immutable; build with {@link #builder()}.
 * Each builder setting is validated at once.
 *
 * <pre>{@code
 * PutOptions opts = PutOptions.builder().replicas(2).softPin(Duration.ofMinutes(5)).build();
 * store.put("blk-1", bytes, opts);
 * }</pre>
 */
public final class PutOptions {
    /** Use the store's configured default replica count. */
    public static final int DEFAULT_REPLICAS = 0;

    private static final PutOptions DEFAULTS = new Builder().build();

    private final int replicas;
    private final Duration softPinTtl;
    private final boolean hardPin;
    private final String preferredNode;
    private final boolean gpuPin;

    private PutOptions(Builder b) {
        this.replicas = b.replicas;
        this.softPinTtl = b.softPinTtl;
        this.hardPin = b.hardPin;
        this.preferredNode = b.preferredNode;
        this.gpuPin = b.gpuPin;
    }

    /** Default replicas, no pin, no preferred node. */
    public static PutOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Requested number of copies (primary plus backups), or {@link #DEFAULT_REPLICAS}. */
    public int replicas() {
        return replicas;
    }

    /** Soft-pin time to live, or {@code null} for no soft pin. */
    public Duration softPinTtl() {
        return softPinTtl;
    }

    public boolean hardPin() {
        return hardPin;
    }

    /**
     * Whether the block is also pinned in the GPU tier of the writing node (a hard pin kept there too): it is copied
     * up at once and least-recently-used demotion passes it by while it stays hard-pinned. Its copy in the grid
     * stands. Nodes without a tier above memory keep it in the grid only.
     */
    public boolean gpuPin() {
        return gpuPin;
    }

    /** Consistent id of the node that should hold the primary copy, or {@code null}. Best effort. */
    public String preferredNode() {
        return preferredNode;
    }

    /** Builder of {@link PutOptions}; each setter rejects bad values with {@link ErrorCode#INVALID_ARGUMENT}. */
    public static final class Builder {
        private int replicas = DEFAULT_REPLICAS;
        private Duration softPinTtl;
        private boolean hardPin;
        private String preferredNode;
        private boolean gpuPin;

        private Builder() {
        }

        public Builder replicas(int replicas) {
            if (replicas < 1)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "replicas", "must be at least 1, was " + replicas);
            this.replicas = replicas;
            return this;
        }

        public Builder softPin(Duration ttl) {
            if (ttl == null || ttl.isNegative() || ttl.isZero())
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "softPin", "TTL must be positive, was " + ttl);
            if (hardPin)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "softPin", "a block cannot be soft- and hard-pinned");
            this.softPinTtl = ttl;
            return this;
        }

        /** Soft pin with the store's configured default TTL. */
        public Builder softPin() {
            if (hardPin)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "softPin", "a block cannot be soft- and hard-pinned");
            this.softPinTtl = Duration.ZERO;
            return this;
        }

        public Builder hardPin() {
            if (softPinTtl != null)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "hardPin", "a block cannot be soft- and hard-pinned");
            this.hardPin = true;
            return this;
        }

        /**
         * Hard-pins the block and pins it in the writing node's GPU tier as well (see {@link PutOptions#gpuPin()});
         * rejected together with a soft pin.
         */
        public Builder gpuPin() {
            if (softPinTtl != null)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "gpuPin", "a GPU pin is a hard pin; the block "
                    + "cannot be soft-pinned as well");
            this.hardPin = true;
            this.gpuPin = true;
            return this;
        }

        public Builder preferredNode(String consistentId) {
            if (consistentId == null || consistentId.isEmpty())
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "preferredNode", "must be a node's consistent id");
            this.preferredNode = consistentId;
            return this;
        }

        public PutOptions build() {
            return new PutOptions(this);
        }
    }
}
