package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.lang.IgniteFutureTimeoutException;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The deadline of the store operation running on this thread. A node that is alive but not answering (a long GC
 * pause, a stopped process, a hung host) holds a request until Ignite's failure detection drops it, seconds later;
 * an inference engine waiting that long for a cache is worse off than one that recomputes. So every cluster round
 * trip of an operation waits at most until the operation's deadline ({@code readDeadlineMillis} for reads and
 * lookups, {@code writeDeadlineMillis} for puts and dumps) and then fails with TIMEOUT; the request itself runs on in
 * the background. Code that runs outside an operation (background renewals, eviction) waits as Ignite does.
 */
final class Deadlines {
    private static final ThreadLocal<Deadline> CURRENT = new ThreadLocal<>();

    private record Deadline(long atNanos, long millis, String setting) {
    }

    private Deadlines() {
    }

    /** Runs {@code body} with a deadline {@code millis} from now, named by {@code setting} in its TIMEOUT errors. */
    static <T> T within(long millis, String setting, Supplier<T> body) {
        Deadline outer = CURRENT.get();
        Deadline d = new Deadline(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis), millis, setting);
        // A nested operation keeps the earlier of the two deadlines.
        return under(outer != null && outer.atNanos - d.atNanos < 0 ? outer : d, body);
    }

    /** {@code body}, to run on another thread under this thread's current deadline (or none, as here). */
    static Runnable carried(Runnable body) {
        Deadline d = CURRENT.get();
        return () -> under(d, () -> {
            body.run();
            return null;
        });
    }

    /**
     * {@code body}, to run under no deadline on whichever thread runs it: a load or dump body, or a promotion a read
     * hands on, runs as it would on a pool thread, even on a caller inside a store operation ({@link BlockTasks}).
     */
    static Runnable detached(Runnable body) {
        return () -> under(null, () -> {
            body.run();
            return null;
        });
    }

    /** Runs {@code body} under {@code d} (none when null), then puts back the deadline this thread had. */
    private static <T> T under(Deadline d, Supplier<T> body) {
        Deadline was = CURRENT.get();
        set(d);
        try {
            return body.get();
        } finally {
            set(was);
        }
    }

    private static void set(Deadline d) {
        if (d == null)
            CURRENT.remove();
        else
            CURRENT.set(d);
    }

    /** {@code future}'s result, waiting no longer than the current deadline; TIMEOUT past it. */
    static <T> T get(IgniteFuture<T> future, String what) {
        Deadline d = CURRENT.get();
        if (d == null)
            return future.get();
        try {
            return future.get(Math.max(0, d.atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (IgniteFutureTimeoutException e) {
            throw timeout(d, what);
        }
    }

    /** True when {@code e} is a deadline's TIMEOUT. */
    static boolean passed(KvGridException e) {
        return e.code() == ErrorCode.TIMEOUT;
    }

    /** Milliseconds left of the current deadline (0 once passed), or -1 outside an operation with one. */
    static long remainingMillis() {
        Deadline d = CURRENT.get();
        return d == null ? -1 : Math.max(0, TimeUnit.NANOSECONDS.toMillis(d.atNanos - System.nanoTime()));
    }

    /** The TIMEOUT of the current deadline for {@code what}, for waits that are not Ignite futures. */
    static KvGridException timeoutNow(String what) {
        Deadline d = CURRENT.get();
        return d == null ? new KvGridException(ErrorCode.TIMEOUT, null, what + " did not answer in time")
            : timeout(d, what);
    }

    private static KvGridException timeout(Deadline d, String what) {
        return new KvGridException(ErrorCode.TIMEOUT, d.setting, what + " took longer than " + d.millis
            + " ms: a node holding it did not answer in time (treated as missing; the cluster drops a node that stays "
            + "silent past its failure detection timeout)");
    }
}
