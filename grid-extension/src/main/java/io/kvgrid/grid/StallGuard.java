package io.kvgrid.grid;

import java.net.Socket;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Closes a block channel connection whose current step does not end in time
 * ({@code KvGridConfiguration.blockChannelStallMillis}): a socket write never times out, and a read times out only
 * after each silence, so a peer that stops reading or trickles its bytes would otherwise hold its connection, a
 * thread and its share of the node's byte budget for as long as it likes. One timer thread per channel server.
 */
final class StallGuard implements AutoCloseable {
    private final ScheduledThreadPoolExecutor timer;

    StallGuard(int port) {
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kvgrid-block-channel-stalls-" + port);
            t.setDaemon(true);
            return t;
        });
        // Nearly every step ends in time: its cancelled watch leaves the queue at once instead of at its due time.
        timer.setRemoveOnCancelPolicy(true);
    }

    /** A step of a connection: ends the watch when closed. */
    interface Step extends AutoCloseable {
        @Override
        void close();
    }

    /** Closes {@code s} in {@code millis} unless the returned step is closed first. */
    Step step(Socket s, long millis) {
        ScheduledFuture<?> f = timer.schedule(() -> {
            try {
                s.close(); // the blocked read or write throws; the connection's finally releases what it held
            } catch (java.io.IOException ignored) {
                // closed already
            }
        }, millis, TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
