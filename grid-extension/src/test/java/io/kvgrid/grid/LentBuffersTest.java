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
}
