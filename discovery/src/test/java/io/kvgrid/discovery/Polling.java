package io.kvgrid.discovery;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;

/** Waiting for cluster membership to settle, bounded in time. */
final class Polling {
    private Polling() {
    }

    /** Polls {@code condition} every 50 ms until it holds; fails naming {@code what} after {@code limit}. */
    static void eventually(Duration limit, String what, BooleanSupplier condition) {
        await(what).atMost(limit).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
    }
}
