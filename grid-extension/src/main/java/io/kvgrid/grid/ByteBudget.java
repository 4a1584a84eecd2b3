package io.kvgrid.grid;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The block bytes a node's channel holds in its heap at once for one use (GET answers being written, or PUT
 * payloads being stored), handed out first come, first served. Unfair, a stream of small groups could keep a large
 * one (a single block may be a whole group) waiting until its deadline: each release went to whichever small group
 * asked next, while the large one, woken, still found too little and slept again. Fair, a later request waits behind
 * an earlier one, so a group's wait is bounded by what was held or asked before it.
 */
final class ByteBudget {
    private final int total;
    private final Semaphore bytes;

    ByteBudget(int total) {
        if (total <= 0)
            throw new IllegalArgumentException("a byte budget needs at least one byte, not " + total);
        this.total = total;
        this.bytes = new Semaphore(total, true);
    }

    /** Bytes the budget holds in all. */
    int total() {
        return total;
    }

    /**
     * Takes {@code n} bytes (at most {@link #total}), once every earlier request is served and they are free, waiting
     * at most {@code waitMillis}; false if they were not.
     */
    boolean take(int n, long waitMillis) throws InterruptedException {
        if (n < 0 || n > total)
            throw new IllegalArgumentException("cannot take " + n + " bytes of a budget of " + total);
        if (n == 0)
            return true; // (a group of absent blocks): a fair semaphore would queue even these behind a waiter
        return bytes.tryAcquire(n, waitMillis, TimeUnit.MILLISECONDS);
    }

    /** Gives back {@code n} bytes taken before. */
    void give(int n) {
        if (n > 0)
            bytes.release(n);
    }

    /** Bytes taken and not given back (an estimate while requests come and go: a gauge's reading). */
    int held() {
        return total - bytes.availablePermits();
    }

    /** Requests waiting for their bytes (an estimate, for tests). */
    int waiting() {
        return bytes.getQueueLength();
    }
}
