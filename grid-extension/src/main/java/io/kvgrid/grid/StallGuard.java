package io.kvgrid.grid;

import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes a block channel connection whose current step does not end in time: a socket write never times out, and a
 * read times out only after each silence. On a server node ({@code KvGridConfiguration.blockChannelStallMillis}) a
 * peer that stops reading or trickles its bytes would otherwise hold its connection, a thread and its share of the
 * node's byte budget for as long as it likes; on a client, a PUT's payloads to a node that stopped reading (a frozen
 * process) would block its caller past the write deadline. A step costs its connection two volatile writes; one timer
 * thread per channel server or client sweeps the watched connections every {@link #SWEEP_MILLIS}.
 */
final class StallGuard implements AutoCloseable {
    static final long SWEEP_MILLIS = 100;
    private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;

    /** {@code name}: its timer thread's. */
    StallGuard(String name) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** A connection's watch: one step at a time, begun by {@link #begin} and ended by {@link #close}. */
    final class Watch implements AutoCloseable {
        private final Socket socket;
        /** When the current step must have ended ({@link System#nanoTime}); Long.MAX_VALUE between steps. */
        private volatile long deadline = Long.MAX_VALUE;
        private volatile boolean fired;

        private Watch(Socket socket) {
            this.socket = socket;
        }

        /** Starts a step that must end within {@code millis}; closing the returned watch ends it. */
        Watch begin(long millis) {
            deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            return this;
        }

        /** Ends the current step. */
        @Override
        public void close() {
            deadline = Long.MAX_VALUE;
        }

        /** No longer watched: the connection has ended. */
        void forget() {
            watched.remove(this);
        }

        /** Whether this watch closed its connection (a step ran out of time). */
        boolean fired() {
            return fired;
        }
    }

    /** Watches {@code s} until {@link Watch#forget}. */
    Watch watch(Socket s) {
        Watch w = new Watch(s);
        watched.add(w);
        return w;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Watch w : watched) {
            long deadline = w.deadline;
            if (deadline != Long.MAX_VALUE && now - deadline > 0) {
                watched.remove(w);
                w.fired = true;
                try {
                    w.socket.close(); // the blocked read or write throws; the connection's finally releases its hold
                } catch (java.io.IOException ignored) {
                    // closed already
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
