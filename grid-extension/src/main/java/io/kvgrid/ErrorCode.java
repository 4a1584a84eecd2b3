package io.kvgrid;

/**
 * Why a kvgrid operation failed. Every {@link KvGridException} carries exactly one.
 *
 * <pre>{@code
 * try {
 *     store.remove("blk-1");
 * } catch (KvGridException e) {
 *     if (e.code() == ErrorCode.HAS_LEASE) retryLater();
 * }
 * }</pre>
 */
public enum ErrorCode {
    /** The key is not stored in any tier (or not yet completely written). */
    NOT_FOUND,
    /** A write-once put found the key already stored. */
    ALREADY_EXISTS,
    /** The block is under a read lease and the operation was not forced. */
    HAS_LEASE,
    /** A lease the caller relied on ran out. */
    LEASE_EXPIRED,
    /** No tier has room for the block, even after eviction. */
    NO_SPACE,
    /** The key is null, empty, too long or contains a control character, a lone surrogate or U+FFFF. */
    INVALID_KEY,
    /** Some other argument is wrong: negative size, lists of different lengths, shard index out of range. */
    INVALID_ARGUMENT,
    /** The caller's buffer has fewer bytes remaining than the block or shard needs. */
    BUFFER_TOO_SMALL,
    /** Stored bytes do not match their checksum; the bad copy was dropped. */
    CHECKSUM_MISMATCH,
    /** The operation did not finish in time. */
    TIMEOUT,
    /** The node that holds the block, or the grid itself, is not reachable. */
    NODE_UNAVAILABLE,
    /** A configuration property is missing, out of range, unknown or conflicts with another. */
    INVALID_CONFIG,
    /** A failure inside kvgrid or Ignite that none of the codes above describes. */
    INTERNAL,
    /**
     * The thin client's role (from its TLS certificate, see {@link ClientRole}) does not allow the operation, which the
     * argument names; nothing was changed. Last, so the ordinals of the older codes (sent over the wire) stay.
     */
    FORBIDDEN
}
