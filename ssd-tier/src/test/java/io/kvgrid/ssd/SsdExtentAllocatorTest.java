package io.kvgrid.ssd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdExtentAllocatorTest {
    @Test
    void aFreshFileFillsFromTheFrontInOrder() {
        ExtentAllocator a = new ExtentAllocator(40);
        assertEquals(0, a.allocate(10));
        assertEquals(10, a.allocate(10));
        assertEquals(20, a.allocate(20));
        assertEquals(-1, a.allocate(1));
        assertEquals(0, a.freeBytes());
    }

    @Test
    void freedNeighboursMergeIntoOneExtent() {
        ExtentAllocator a = new ExtentAllocator(40);
        for (int i = 0; i < 4; i++)
            a.allocate(10);
        a.free(0, 10);
        a.free(20, 10);
        assertEquals(10, a.largestFree());
        a.free(10, 10);
        assertEquals(30, a.largestFree());
        assertEquals(1, a.freeExtents());
        a.free(30, 10);
        assertEquals(40, a.largestFree());
    }

    @Test
    void bestFitPrefersTheSmallestHoleThatHolds() {
        ExtentAllocator a = new ExtentAllocator(100);
        for (int i = 0; i < 10; i++)
            a.allocate(10);
        a.free(0, 30);
        a.free(50, 10);
        assertEquals(50, a.allocate(10));
        assertEquals(0, a.allocate(10));
    }

    @Test
    void takingExtentsRebuildsFreeSpaceAroundThem() {
        ExtentAllocator a = new ExtentAllocator(100);
        assertTrue(a.take(30, 20));
        assertFalse(a.take(40, 20), "overlaps a taken extent");
        assertEquals(50, a.largestFree());
        assertEquals(80, a.freeBytes());
        assertEquals(0, a.allocate(30));
    }

    @Test
    void aDoubleFreeIsAnError() {
        ExtentAllocator a = new ExtentAllocator(100);
        a.allocate(50);
        a.free(0, 10);
        assertThrows(IllegalStateException.class, () -> a.free(0, 10));
        assertThrows(IllegalStateException.class, () -> a.free(5, 10));
        assertThrows(IllegalArgumentException.class, () -> a.free(95, 10));
    }

    @Test
    void aCopyIsIndependent() {
        ExtentAllocator a = new ExtentAllocator(100);
        a.allocate(100);
        ExtentAllocator plan = a.copy();
        plan.free(0, 100);
        assertEquals(100, plan.largestFree());
        assertEquals(0, a.largestFree());
    }
}
