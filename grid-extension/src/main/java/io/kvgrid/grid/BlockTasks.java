package io.kvgrid.grid;

import io.kvgrid.BlockTask;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs load / dump bodies on a small daemon pool and hands out {@link BlockTask} handles. */
public final class BlockTasks implements AutoCloseable {
    private final ExecutorService pool;

    public BlockTasks(int threads) {
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "kvgrid-async-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code body} on the pool, or on the caller of the handle's {@link BlockTask#await()} that finds no pool
     * thread has started it yet ({@link FutureTask#run()} runs a task once: the other caller returns at once). Waking
     * a pool thread and then the waiting caller are two hand-offs between threads; on a busy machine each can wait out
     * another thread's time slice (a single 2 MiB load from memory: 0.4 ms, its 99th percentile 4 ms, most of it
     * before and after the read itself). Run by the caller, the body sees the caller's thread: an interrupt during it
     * reaches its Ignite calls, and Ignite's security context is the caller's (the thin-client service awaits as the
     * node). Its deadline is none on either thread (a promotion handed on by a read must not inherit the read's).
     */
    public BlockTask submit(Runnable body) {
        FutureTask<Void> task = new FutureTask<>(Deadlines.detached(body), null);
        try {
            pool.execute(task);
        } catch (RejectedExecutionException e) {
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "store is closed", e);
        }
        return new Handle(task);
    }

    @Override
    public void close() {
        pool.shutdown();
    }

    private record Handle(FutureTask<Void> task) implements BlockTask {
        @Override
        public void await() {
            // Not started yet: run here rather than wait for a pool thread to wake (an interrupted caller waits, so
            // the body never runs on an interrupted thread).
            if (!Thread.currentThread().isInterrupted())
                task.run();
            try {
                task.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvGridException(ErrorCode.TIMEOUT, null, "interrupted while waiting", e);
            } catch (ExecutionException e) {
                throw Failures.wrap(e.getCause(), "block task");
            }
        }

        @Override
        public void await(Duration timeout) {
            if (timeout == null || timeout.isNegative())
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "timeout", "must be a duration of 0 or more, was "
                    + timeout);
            long nanos;
            try {
                nanos = timeout.toNanos();
            } catch (ArithmeticException e) {
                nanos = Long.MAX_VALUE;
            }
            try {
                task.get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new KvGridException(ErrorCode.TIMEOUT, "timeout", "task still running after " + timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KvGridException(ErrorCode.TIMEOUT, null, "interrupted while waiting", e);
            } catch (ExecutionException e) {
                throw Failures.wrap(e.getCause(), "block task");
            }
        }

        @Override
        public boolean check() {
            return task.isDone();
        }
    }
}
