package io.kvgrid.ssd;

/**
 * Why the SSD tier dropped a block on its own (see {@link DropListener}).
 *
 * <pre>{@code
 * DropListener log = (key, reason) -> {
 *     if (reason == DropReason.CORRUPT) corruptBlocks.increment();
 * };
 * }</pre>
 */
public enum DropReason {
    /** Least recently used, dropped to make room for a newer block. */
    CAPACITY,
    /** Its stored bytes (or its index entry) failed verification; the copy was discarded. */
    CORRUPT
}
