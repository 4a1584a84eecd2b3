package io.kvgrid.discovery;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Waiting for cluster membership to settle, bounded in time. */
final class Polling {
    private Polling() {
    }

    /** Polls {@code condition} every 50 ms until it holds; fails with {@code what} after {@code limit}. */
    static void eventually(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline)
                fail("not within " + limit + ": " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
