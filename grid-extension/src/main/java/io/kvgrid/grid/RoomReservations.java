package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteFuture;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Region room for writes: reserves pages on every node that will hold a copy before a payload lands there (one request
 * per node, or none where this writer holds a credit), and releases the reservations after the write.
 */
final class RoomReservations implements AutoCloseable {
    private final Ignite ignite;
    private final int pageSize;
    private volatile SpaceGovernor governor;

    RoomReservations(Ignite ignite, int pageSize) {
        this.ignite = ignite;
        this.pageSize = pageSize;
    }

    void governor(SpaceGovernor governor) {
        this.governor = governor;
    }

    SpaceGovernor governor() {
        return governor;
    }


    /**
     * Reserves region room on every node that will hold a copy of these payloads: one request per node. A node that
     * left since the mapping was computed means the affinity is about to change: map again, briefly later.
     */
    Map<ClusterNode, Long> reserve(Collection<BlockRecord> recs) {
        for (int attempt = 0; ; attempt++) {
            try {
                return reserveOnce(recs);
            } catch (KvGridException e) {
                if (e.code() != ErrorCode.NODE_UNAVAILABLE || attempt >= 50)
                    throw e;
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Room a remote node reserved for this writer ahead of need, consumed here without a round trip; the node counts
     * it as reserved until this writer releases it (when replaced, after {@link #CREDIT_NANOS}, or on close).
     */
    private static final class Credit {
        final ClusterNode node;
        final long id;
        final long expiresNanos;
        final long granted;
        long left;

        Credit(ClusterNode node, long id, long left) {
            this.node = node;
            this.id = id;
            this.left = left;
            this.granted = left;
            this.expiresNanos = System.nanoTime() + CREDIT_NANOS;
        }
    }

    /** Well inside the 30 s after which a node forgets a reservation. */
    private static final long CREDIT_NANOS = 20_000_000_000L;
    /** In {@code granted}: room covered by a credit, nothing to release after the write. */
    private static final long FROM_CREDIT = -2;
    private final Map<java.util.UUID, Credit> credits = new HashMap<>();
    /** Nodes a credit is being asked of ahead of need (guarded by {@code credits}). */
    private final java.util.Set<java.util.UUID> refilling = new java.util.HashSet<>();
    private volatile boolean closed;

    private boolean takeCredit(ClusterNode n, long pages) {
        boolean refill;
        synchronized (credits) {
            Credit c = credits.get(n.id());
            if (c == null || c.left < pages || System.nanoTime() - c.expiresNanos > 0)
                return false;
            c.left -= pages;
            refill = c.left < c.granted / 2 && refilling.add(n.id());
        }
        if (refill)
            refill(n);
        return true;
    }

    /**
     * Asks {@code n} for a fresh credit once half of the current one is spent, in the background, so that writers
     * find room already reserved instead of waiting for a reservation round trip every few puts (1.2-1.3 ms of a
     * 7.7-8.4 ms 1 MiB put between 3 server JVMs, the put step meters). The new credit replaces the old one, whose
     * rest is released, as when a writer asks itself.
     */
    private void refill(ClusterNode n) {
        try {
            // Settled off Ignite's threads: replacing a credit releases the old one through compute.
            ignite.compute(ignite.cluster().forNode(n)).callAsync(new SpaceJobs.Reserve(0)).listenAsync(f -> {
                // Cleared before the new credit lands: a writer spending it below half right away asks again.
                refilled(n);
                try {
                    long[] r = f.get();
                    // No room for a credit (the region near its watermark): keep what is left of the old one.
                    if (r[0] >= 0 && (closed || r[1] <= 0))
                        release(Map.of(n, r[0]));
                    else if (r[0] >= 0)
                        newCredit(n, r[0], r[1]);
                } catch (RuntimeException ignored) {
                    // node gone or busy: the next writer asks for itself
                }
            }, java.util.concurrent.ForkJoinPool.commonPool());
        } catch (RuntimeException e) {
            refilled(n);
        }
    }

    private void refilled(ClusterNode n) {
        synchronized (credits) {
            refilling.remove(n.id());
        }
    }

    /** Pages left of this writer's credit on {@code n}, or -1 without one. */
    long creditLeft(ClusterNode n) {
        synchronized (credits) {
            Credit c = credits.get(n.id());
            return c == null ? -1 : c.left;
        }
    }

    private void newCredit(ClusterNode n, long id, long left) {
        Credit old;
        synchronized (credits) {
            old = credits.put(n.id(), new Credit(n, id, left));
        }
        if (old != null)
            release(Map.of(old.node, old.id));
    }

    private Map<ClusterNode, Long> reserveOnce(Collection<BlockRecord> recs) {
        Map<ClusterNode, Long> need = new HashMap<>();
        for (BlockRecord r : recs)
            for (ClusterNode n : ignite.affinity(r.dataCache).mapKeyToPrimaryAndBackups(r.dataKey))
                need.merge(n, RegionPages.reservedPages(r.size, pageSize), Long::sum);
        Map<ClusterNode, Long> granted = new HashMap<>();
        Map<ClusterNode, org.apache.ignite.lang.IgniteFuture<long[]>> remote = new HashMap<>();
        try {
            for (Map.Entry<ClusterNode, Long> e : need.entrySet()) {
                ClusterNode n = e.getKey();
                if (n.isLocal())
                    continue;
                if (takeCredit(n, e.getValue()))
                    granted.put(n, FROM_CREDIT);
                else
                    remote.put(n, ignite.compute(ignite.cluster().forNode(n)).callAsync(new SpaceJobs.Reserve(e.getValue())));
            }
            SpaceGovernor g = governor;
            for (Map.Entry<ClusterNode, Long> e : need.entrySet())
                if (e.getKey().isLocal() && g != null)
                    granted.put(e.getKey(), g.reserve(e.getValue()));
            for (Map.Entry<ClusterNode, org.apache.ignite.lang.IgniteFuture<long[]>> e : remote.entrySet()) {
                long[] r = Deadlines.get(e.getValue(), "reserving room on node " + e.getKey().consistentId());
                if (r[0] >= 0)
                    newCredit(e.getKey(), r[0], r[1] - need.get(e.getKey()));
                granted.put(e.getKey(), FROM_CREDIT);
            }
            return granted;
        } catch (RuntimeException e) {
            release(granted);
            throw Failures.wrap(e, "reserving block-region room");
        }
    }

    void release(Map<ClusterNode, Long> granted) {
        for (Map.Entry<ClusterNode, Long> e : granted.entrySet()) {
            long id = e.getValue();
            if (id < 0)
                continue;
            try {
                if (e.getKey().isLocal())
                    governor.release(id);
                else
                    ignite.compute(ignite.cluster().forNode(e.getKey())).runAsync(new SpaceJobs.Release(id));
            } catch (RuntimeException ignored) {
                // Node gone; its reservations went with it (or expire).
            }
        }
    }

    /** Hands back the credits this writer holds on other nodes. */
    @Override
    public void close() {
        closed = true;
        Map<ClusterNode, Long> held = new HashMap<>();
        synchronized (credits) {
            credits.values().forEach(c -> held.put(c.node, c.id));
            credits.clear();
        }
        release(held);
    }
}
