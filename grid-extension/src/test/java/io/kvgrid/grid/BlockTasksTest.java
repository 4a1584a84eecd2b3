package io.kvgrid.grid;

import io.kvgrid.BlockTask;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load and dump bodies on the task pool: a body no pool thread has started runs on the thread that awaits it, once;
 * one the pool started is waited for; an interrupted caller or a timed wait never runs it; failures come out typed.
 */
@Timeout(60)
class BlockTasksTest {
    private final BlockTasks tasks = new BlockTasks(1);
    /** Holds the pool's only thread until counted down. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch poolBusy = new CountDownLatch(1);

    @AfterEach
    void close() {
        release.countDown();
        tasks.close();
    }

    private void occupyThePool() throws InterruptedException {
        tasks.submit(() -> {
            poolBusy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(poolBusy.await(10, TimeUnit.SECONDS));
    }

    /** Submits a body that records the thread it ran on; returns its task. */
    private BlockTask recording(List<String> ranOn) {
        return tasks.submit(() -> ranOn.add(Thread.currentThread().getName()));
    }

    /** Submits a body that counts down {@code ran} when it has run. */
    private BlockTask counting(List<String> ranOn, CountDownLatch ran) {
        return tasks.submit(() -> {
            ranOn.add(Thread.currentThread().getName());
            ran.countDown();
        });
    }

    @Test
    void awaitRunsABodyNoPoolThreadHasStartedOnTheCallersThreadOnce() throws Exception {
        occupyThePool();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        BlockTask t = recording(ranOn);
        assertFalse(t.check(), "not started: the pool's thread is held");
        t.await();
        assertTrue(t.check());
        assertEquals(List.of(Thread.currentThread().getName()), ranOn);

        release.countDown();
        CountDownLatch after = new CountDownLatch(1);
        counting(new CopyOnWriteArrayList<>(), after); // runs after the pool has passed over the claimed body
        assertTrue(after.await(10, TimeUnit.SECONDS));
        assertEquals(1, ranOn.size(), "the pool did not run it again: " + ranOn);
    }

    @Test
    void aBodyThePoolStartedIsWaitedForAndRunOnce() throws Exception {
        List<String> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        BlockTask t = tasks.submit(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ranOn.add(Thread.currentThread().getName());
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException ignored) {
            }
            release.countDown();
        });
        releaser.start();
        t.await();
        assertEquals(List.of("kvgrid-async-1"), ranOn);
        releaser.join();
    }

    @Test
    void anInterruptedCallerWaitsAndLeavesTheBodyToThePool() throws Exception {
        occupyThePool();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        CountDownLatch ran = new CountDownLatch(1);
        BlockTask t = counting(ranOn, ran);
        Thread.currentThread().interrupt();
        KvGridException e = assertThrows(KvGridException.class, t::await);
        assertTrue(Thread.interrupted(), "the interrupt is kept");
        assertEquals(ErrorCode.TIMEOUT, e.code());
        assertTrue(ranOn.isEmpty(), "not run on the interrupted caller: " + ranOn);
        release.countDown();
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        t.await();
        assertEquals(List.of("kvgrid-async-1"), ranOn);
    }

    @Test
    void aTimedWaitNeverRunsTheBody() throws Exception {
        occupyThePool();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        BlockTask t = recording(ranOn);
        KvGridException e = assertThrows(KvGridException.class, () -> t.await(Duration.ofMillis(50)));
        assertEquals(ErrorCode.TIMEOUT, e.code());
        assertTrue(ranOn.isEmpty());
        release.countDown();
        t.await(Duration.ofSeconds(10));
        assertEquals(List.of("kvgrid-async-1"), ranOn);
    }

    @Test
    void aBodyRunByACallerInsideAStoreOperationRunsUnderNoDeadline() throws Exception {
        occupyThePool();
        List<Long> left = new CopyOnWriteArrayList<>();
        BlockTask t = Deadlines.within(60_000, "readDeadlineMillis", () -> {
            BlockTask inner = tasks.submit(() -> left.add(Deadlines.remainingMillis()));
            inner.await(); // on this thread, inside the operation
            left.add(Deadlines.remainingMillis());
            return inner;
        });
        assertTrue(t.check());
        assertEquals(-1L, left.get(0), "no deadline in the body, as on a pool thread");
        assertTrue(left.get(1) > 0, "the caller's deadline is back after it: " + left.get(1));
    }

    @Test
    void aFailureOfABodyRunOnTheCallersThreadComesOutTyped() throws Exception {
        occupyThePool();
        BlockTask t = tasks.submit(() -> {
            throw new KvGridException(ErrorCode.NOT_FOUND, "ids[0]", "no block b");
        });
        KvGridException e = assertThrows(KvGridException.class, t::await);
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertTrue(e.getMessage().contains("no block b"), e.getMessage());
        assertTrue(t.check());
        assertThrows(KvGridException.class, t::await, "and again on a second wait");
    }
}
