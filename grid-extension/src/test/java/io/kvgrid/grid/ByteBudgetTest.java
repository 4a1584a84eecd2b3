package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block channel's byte budget: first come, first served, bounded waits, nothing taken past the whole. */
@Timeout(60)
class ByteBudgetTest {
    @Test
    void aSmallRequestAskingAfterALargeOneWaitsBehindItEvenWithBytesFree() throws Exception {
        ByteBudget budget = new ByteBudget(100);
        CompletableFuture<Boolean> large = largeWaiting(budget);

        assertFalse(budget.take(30, 200), "40 bytes are free, but the 80-byte request came first");
        assertFalse(large.isDone());
        budget.give(60);
        assertTrue(large.get(10, TimeUnit.SECONDS), "the large request is served as soon as its bytes are free");
        assertFalse(budget.take(30, 0), "20 bytes left");
        budget.give(80);
        assertTrue(budget.take(30, 0));
        assertTrue(budget.take(70, 0));
        assertFalse(budget.take(1, 0), "the whole budget is taken");
    }

    @Test
    void takingNoBytesNeverWaitsEvenBehindAWaitingRequest() throws Exception {
        ByteBudget budget = new ByteBudget(100);
        CompletableFuture<Boolean> large = largeWaiting(budget);
        assertTrue(budget.take(0, 0), "a group of absent blocks holds no bytes");
        budget.give(0);
        budget.give(60);
        assertTrue(large.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aRequestThatWaitedPastItsTimeIsRefusedAndNoLongerHoldsUpLaterOnes() throws Exception {
        ByteBudget budget = new ByteBudget(100);
        assertTrue(budget.take(60, 0));
        assertFalse(budget.take(80, 100), "only 40 bytes free within 100 ms");
        assertEquals(0, budget.waiting());
        assertTrue(budget.take(40, 0), "the refused request left the queue");
    }

    @Test
    void moreThanTheWholeBudgetOrANegativeAmountIsABadArgumentNotAnEndlessWait() {
        ByteBudget budget = new ByteBudget(100);
        assertThrows(IllegalArgumentException.class, () -> budget.take(101, 1_000));
        assertThrows(IllegalArgumentException.class, () -> budget.take(-1, 1_000));
        assertThrows(IllegalArgumentException.class, () -> new ByteBudget(0));
        assertEquals(100, budget.total());
    }

    /** 60 bytes of {@code budget} taken, then a request for 80 waiting (its outcome). */
    private static CompletableFuture<Boolean> largeWaiting(ByteBudget budget) throws InterruptedException {
        assertTrue(budget.take(60, 0));
        CompletableFuture<Boolean> large = CompletableFuture.supplyAsync(() -> take(budget, 80, 30_000));
        await().atMost(Duration.ofSeconds(10)).until(() -> budget.waiting() == 1);
        return large;
    }

    private static boolean take(ByteBudget budget, int n, long waitMillis) {
        try {
            return budget.take(n, waitMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
