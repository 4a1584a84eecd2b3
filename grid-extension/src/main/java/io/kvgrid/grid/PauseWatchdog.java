package io.kvgrid.grid;

import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Stops a server node that was frozen (SIGSTOP, a hung host, a stop-the-world pause) for over half Ignite's failure
 * detection timeout and, once resumed, finds the cluster's other servers gone: meanwhile they dropped it, and it has
 * dropped them, so it would go on as a cluster of its own, serving stale blocks. Stopped, it can rejoin:
 * {@code kvgrid node} starts it again by itself; an embedding application sees it stop (Ignite's listeners).
 */
final class PauseWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PauseWatchdog.class);
    private static final long TICK_MILLIS = 200;
    /** How long after a pause a shrunken topology is taken as this node having been cut off. */
    private static final long AFTER_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Ignite ignite;
    private final long pauseNanos;
    private final Thread thread;
    private volatile boolean closed;

    PauseWatchdog(Ignite ignite) {
        this.ignite = ignite;
        // Half the failure detection timeout: the others may drop a node that stopped answering a little before the
        // full timeout has passed here; a pause that long with no server lost afterwards changes nothing.
        this.pauseNanos = TimeUnit.MILLISECONDS.toNanos(ignite.configuration().getFailureDetectionTimeout()) / 2;
        this.thread = new Thread(this::watch, "kvgrid-pause-watchdog-" + ignite.name());
        thread.setDaemon(true);
        thread.start();
    }

    private void watch() {
        long last = System.nanoTime();
        int serversBefore = servers();
        long pausedAt = 0;
        while (!closed) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            int servers = servers();
            if (now - last > pauseNanos) {
                LOG.warn("kvgrid node {}: this JVM was paused for {} ms (failure detection timeout {} ms); "
                    + "watching whether the cluster dropped it", ignite.name(), (now - last) / 1_000_000,
                    pauseNanos / 1_000_000);
                pausedAt = now;
            } else if (pausedAt == 0) {
                serversBefore = servers;
            }
            last = now;
            if (pausedAt != 0 && now - pausedAt < AFTER_PAUSE_NANOS && servers < serversBefore) {
                LOG.warn("kvgrid node {}: after its pause it sees {} of the {} server nodes it had; the cluster "
                    + "dropped it: stopping it so that it can rejoin", ignite.name(), servers, serversBefore);
                closed = true;
                Thread stopper = new Thread(() -> Ignition.stop(ignite.name(), true), "kvgrid-rejoin-stop");
                stopper.setDaemon(true);
                stopper.start();
                return;
            }
            if (pausedAt != 0 && now - pausedAt >= AFTER_PAUSE_NANOS)
                pausedAt = 0;
        }
    }

    private int servers() {
        try {
            return ignite.cluster().forServers().nodes().size();
        } catch (RuntimeException e) {
            return 0; // stopping
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
