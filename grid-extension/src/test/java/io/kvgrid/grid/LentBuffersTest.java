package io.kvgrid.grid;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pool of payload buffers the block channel's GETs read into: bounded in bytes and in lengths, following the
 * lengths read now, and (a direct pool) lending direct buffers only while its loans stay within its bound.
 */
@Timeout(60)
class LentBuffersTest {
    @Test
    void thePoolKeepsNoMoreThanItsBoundAndMakesRoomForTheLengthsReadNow() {
        LentBuffers pool = new LentBuffers(3_000, false);
        try (LentBuffers.Loan loan = pool.lend()) {
            for (int i = 0; i < 4; i++)
                assertEquals(1_000, loan.apply(1_000).remaining());
        }
        assertEquals(3_000, pool.keptBytes(), "three of four kept: the fourth would pass the bound");
        try (LentBuffers.Loan loan = pool.lend()) {
            loan.apply(700);
        }
        assertEquals(2_700, pool.keptBytes(), "a kept buffer of another length made room for it");
        try (LentBuffers.Loan loan = pool.lend()) {
            assertEquals(700, loan.apply(700).remaining());
            assertEquals(1_000, loan.apply(1_000).remaining());
        }
        assertEquals(2_700, pool.keptBytes(), "the same buffers lent and given back");
        try (LentBuffers.Loan loan = pool.lend()) {
            assertEquals(5_000, loan.apply(5_000).remaining());
        }
        assertEquals(2_700, pool.keptBytes(), "a buffer over the whole bound is never kept");
    }

    @Test
    void thePoolKeepsBuffersOfAtMostItsNumberOfLengths() {
        LentBuffers pool = new LentBuffers(1L << 20, true);
        try (LentBuffers.Loan loan = pool.lend()) {
            for (int length = 1; length <= LentBuffers.MAX_LENGTHS + 10; length++)
                loan.apply(length);
        }
        long firstLengths = (long) LentBuffers.MAX_LENGTHS * (LentBuffers.MAX_LENGTHS + 1) / 2;
        assertEquals(firstLengths, pool.keptBytes(), "the first lengths kept, the rest freed");
    }

    @Test
    void aBufferOfALengthPastTheBoundOnLengthsTakesNoRoomFromTheKeptOnes() {
        long firstLengths = (long) LentBuffers.MAX_LENGTHS * (LentBuffers.MAX_LENGTHS + 1) / 2;
        LentBuffers pool = new LentBuffers(firstLengths, false); // full once the first lengths are back
        try (LentBuffers.Loan loan = pool.lend()) {
            for (int length = 1; length <= LentBuffers.MAX_LENGTHS; length++)
                loan.apply(length);
        }
        try (LentBuffers.Loan loan = pool.lend()) {
            loan.apply(1_000);
        }
        assertEquals(firstLengths, pool.keptBytes(), "the kept buffers stay: the new length is not kept anyway");
    }

    @Test
    void aBufferIsLentFromItsStartToItsCapacityWhateverItsLastReaderLeft() {
        LentBuffers pool = new LentBuffers(1L << 20, true);
        ByteBuffer first;
        try (LentBuffers.Loan loan = pool.lend()) {
            first = loan.apply(4_096);
            first.position(100).limit(200);
        }
        try (LentBuffers.Loan loan = pool.lend()) {
            ByteBuffer again = loan.apply(4_096);
            assertSame(first, again);
            assertEquals(0, again.position());
            assertEquals(4_096, again.limit());
        }
    }

    @Test
    void aDirectPoolLendsDirectBuffersWhileItsLoansStayWithinItsBoundAndHeapBuffersPastIt() {
        LentBuffers pool = new LentBuffers(10_000, true);
        try (LentBuffers.Loan loan = pool.lend()) {
            assertTrue(loan.apply(6_000).isDirect());
            assertTrue(loan.apply(4_000).isDirect());
            assertEquals(10_000, pool.lentDirectBytes());
            assertFalse(loan.apply(1).isDirect(), "past the bound: a heap buffer");
            try (LentBuffers.Loan other = pool.lend()) {
                assertFalse(other.apply(6_000).isDirect(), "the bound holds across loans");
            }
        }
        assertEquals(0, pool.lentDirectBytes(), "every direct buffer given back");
        try (LentBuffers.Loan loan = pool.lend()) {
            assertTrue(loan.apply(6_000).isDirect(), "kept from the first loan");
        }
    }

    @Test
    void aHeapBufferGivenBackToADirectPoolIsNotKeptNorLentAgain() {
        LentBuffers pool = new LentBuffers(10_000, true);
        ByteBuffer heap;
        try (LentBuffers.Loan loan = pool.lend()) {
            loan.apply(10_000);
            heap = loan.apply(2_000);
            assertFalse(heap.isDirect());
        }
        assertEquals(10_000, pool.keptBytes(), "only the direct buffer kept");
        try (LentBuffers.Loan loan = pool.lend()) {
            ByteBuffer b = loan.apply(2_000);
            assertTrue(b.isDirect());
            assertNotSame(heap, b);
        }
    }

    @Test
    void aHeapPoolLendsHeapBuffersOnly() {
        LentBuffers pool = new LentBuffers(1L << 20, false);
        try (LentBuffers.Loan loan = pool.lend()) {
            assertTrue(loan.apply(1_000).hasArray());
            assertEquals(0, pool.lentDirectBytes());
        }
    }

    @Test
    void racingLoansNeverMakeTheDirectMemoryOfThePoolPassTwiceItsBound() throws Exception {
        int threads = 32;
        int length = 4 << 20;
        LentBuffers pool = new LentBuffers(8L << 20, true);
        java.util.concurrent.atomic.AtomicLong mostLent = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
        java.util.concurrent.ExecutorService pool8 = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> directs = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++)
                directs.add(pool8.submit(() -> {
                    int n = 0;
                    for (int round = 0; round < 20; round++) {
                        start.await(10, java.util.concurrent.TimeUnit.SECONDS);
                        try (LentBuffers.Loan loan = pool.lend()) {
                            if (loan.apply(length).isDirect())
                                n++;
                            mostLent.accumulateAndGet(pool.directBytes(), Math::max);
                        }
                    }
                    return n;
                }));
            int direct = 0;
            for (java.util.concurrent.Future<Integer> f : directs)
                direct += f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(mostLent.get() <= 2 * (8L << 20), "at most the bound kept and the bound on loan, saw "
                + mostLent.get());
            assertTrue(direct >= 20, "some loans got direct buffers: " + direct);
            assertEquals(0, pool.lentDirectBytes());
        } finally {
            pool8.shutdownNow();
        }
    }

    @Test
    void aClosedPoolFreesWhatItKeptAndKeepsNothingGivenBackLater() {
        LentBuffers pool = new LentBuffers(1L << 20, true);
        LentBuffers.Loan late = pool.lend();
        late.apply(2_000);
        try (LentBuffers.Loan loan = pool.lend()) {
            loan.apply(1_000);
        }
        assertEquals(1_000, pool.keptBytes());
        pool.close();
        assertEquals(0, pool.keptBytes(), "the kept buffer freed");
        late.close();
        assertEquals(0, pool.keptBytes(), "a buffer back from a loan after the close is freed, not kept");
        assertEquals(0, pool.lentDirectBytes());
        assertEquals(0, pool.directBytes(), "every direct buffer freed");
    }

    @Test
    void theJvmsDirectMemoryHasRoomForABufferButNotForMoreThanHalfItsLimit() {
        assertTrue(LentBuffers.DirectMemory.MAX > 0);
        assertTrue(LentBuffers.DirectMemory.hasRoomFor(1 << 20));
        assertFalse(LentBuffers.DirectMemory.hasRoomFor(LentBuffers.DirectMemory.MAX / 2 + 1));
    }
}
