package io.kvgrid.ssd;

import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Free space of the data file as coalesced extents. Allocation is best fit (smallest free extent that holds the
 * request, lowest offset among equals), so a fresh file fills from the front in order and equal-sized blocks reuse
 * each other's holes exactly. Not thread-safe: the tier calls it under its lock.
 */
final class ExtentAllocator {
    private final long limit;
    /** offset -> length of each free extent; never two adjacent ones. */
    private final TreeMap<Long, Long> byOffset = new TreeMap<>();
    /** The same extents ordered by (length, offset) for best fit. */
    private final NavigableSet<long[]> bySize = new TreeSet<>((a, b) ->
        a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[0], b[0]));
    private long free;

    /** An allocator over {@code [0, limit)} with everything free. */
    ExtentAllocator(long limit) {
        this.limit = limit;
        if (limit > 0)
            add(0, limit);
    }

    private ExtentAllocator(ExtentAllocator other) {
        limit = other.limit;
        free = other.free;
        byOffset.putAll(other.byOffset);
        bySize.addAll(other.bySize);
    }

    /** A copy to try out frees on (planning which blocks to drop) without touching this one. */
    ExtentAllocator copy() {
        return new ExtentAllocator(this);
    }

    /** @return the offset of a free extent of {@code len} bytes, now taken, or -1 when no free extent is long enough */
    long allocate(long len) {
        if (len == 0)
            return 0;
        long[] fit = bySize.ceiling(new long[] {-1, len});
        if (fit == null)
            return -1;
        remove(fit[0], fit[1]);
        if (fit[1] > len)
            add(fit[0] + len, fit[1] - len);
        return fit[0];
    }

    /** Takes {@code [off, off+len)}, which must lie inside one free extent (rebuilding from the index). */
    boolean take(long off, long len) {
        if (len == 0)
            return true;
        Map.Entry<Long, Long> e = byOffset.floorEntry(off);
        if (e == null || e.getKey() + e.getValue() < off + len)
            return false;
        long eOff = e.getKey(), eLen = e.getValue();
        remove(eOff, eLen);
        if (off > eOff)
            add(eOff, off - eOff);
        if (eOff + eLen > off + len)
            add(off + len, eOff + eLen - off - len);
        return true;
    }

    /** Returns {@code [off, off+len)} to the free space, merging with free neighbours. */
    void free(long off, long len) {
        if (len == 0)
            return;
        if (off < 0 || off + len > limit)
            throw new IllegalArgumentException("extent " + off + "+" + len + " outside " + limit);
        long start = off, end = off + len;
        Map.Entry<Long, Long> before = byOffset.floorEntry(off);
        if (before != null && before.getKey() + before.getValue() > off)
            throw new IllegalStateException("double free of " + off + "+" + len);
        if (before != null && before.getKey() + before.getValue() == off) {
            start = before.getKey();
            remove(before.getKey(), before.getValue());
        }
        Long after = byOffset.ceilingKey(off);
        if (after != null && after < end)
            throw new IllegalStateException("double free of " + off + "+" + len);
        if (after != null && after == end) {
            long afterLen = byOffset.get(after);
            remove(after, afterLen);
            end = after + afterLen;
        }
        add(start, end - start);
    }

    long largestFree() {
        return bySize.isEmpty() ? 0 : bySize.last()[1];
    }

    long freeBytes() {
        return free;
    }

    long usedBytes() {
        return limit - free;
    }

    long limit() {
        return limit;
    }

    int freeExtents() {
        return byOffset.size();
    }

    private void add(long off, long len) {
        byOffset.put(off, len);
        bySize.add(new long[] {off, len});
        free += len;
    }

    private void remove(long off, long len) {
        byOffset.remove(off);
        bySize.remove(new long[] {off, len});
        free -= len;
    }
}
