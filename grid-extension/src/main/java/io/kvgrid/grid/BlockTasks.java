package io.kvgrid.grid;

import io.kvgrid.BlockTask;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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

    public BlockTask submit(Runnable body) {
        try {
            return new Handle(CompletableFuture.runAsync(body, pool));
        } catch (RejectedExecutionException e) {
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "store is closed", e);
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }

    private record Handle(CompletableFuture<Void> future) implements BlockTask {
        @Override
        public void await() {
            try {
                future.get();
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
                future.get(nanos, TimeUnit.NANOSECONDS);
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
            return future.isDone();
        }
    }
}
