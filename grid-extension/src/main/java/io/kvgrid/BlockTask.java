package io.kvgrid;

import java.time.Duration;

/**
 * Handle of an asynchronous {@code load} or {@code dump} (UCM's task). {@code await} blocks, {@code check} never does.
 * UCM's {@code wait()} is {@code await()} here because {@link Object#wait()} is final.
 *
 * <pre>{@code
 * BlockTask t = store.load(ids, shards, buffers);
 * overlapOtherWork();
 * t.await();            // throws KvGridException (e.g. NOT_FOUND) if any block failed
 * }</pre>
 */
public interface BlockTask {
    /**
     * Blocks until the task ends; throws the typed failure, if any. A task no worker thread has started yet runs on
     * the calling thread instead (once: the workers then pass it over).
     */
    void await();

    /** Blocks at most {@code timeout}; throws {@link ErrorCode#TIMEOUT} if still running, or the task's failure. */
    void await(Duration timeout);

    /** True once the task has ended, successfully or not. Never blocks, never throws the task's failure. */
    boolean check();
}
