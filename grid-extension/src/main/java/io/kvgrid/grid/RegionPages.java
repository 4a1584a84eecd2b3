package io.kvgrid.grid;

/**
 * The page arithmetic of a node's block region, as the space governor applies it, for tools that size regions (the
 * replay's bounded memory tier). It follows Ignite's own admission rule for in-memory regions without page eviction
 * ({@code IgniteCacheDatabaseSharedManager.ensureFreeSpaceForInsert}): an insert fails once
 * {@code rowPages + usedPages * (1 + 12 / pageSize) + 256 > maxSize / systemPageSize}. Usable pages are that bound
 * less 2% for index and free-list pages; the high watermark applies to them.
 *
 * <pre>{@code
 * long region = RegionPages.regionBytesFor(wantedPages, 16384);   // smallest region with that many usable pages
 * }</pre>
 */
public final class RegionPages {
    /** Pages Ignite keeps back in every in-memory region. */
    private static final int IGNITE_RESERVED_PAGES = 256;
    /** Ignite's system page adds a small header to each page; 64 bytes bounds it from above. */
    private static final int SYSTEM_PAGE_OVERHEAD = 64;

    private RegionPages() {
    }

    /** Pages block payloads may occupy in a region of {@code maxSize} bytes. */
    public static long usablePages(long maxSize, int pageSize) {
        long maxPages = maxSize / (pageSize + SYSTEM_PAGE_OVERHEAD) - IGNITE_RESERVED_PAGES;
        return (long) (maxPages * 0.98 / (1 + 12.0 / pageSize));
    }

    /** The smallest region size whose usable pages are at least {@code pages}. */
    public static long regionBytesFor(long pages, int pageSize) {
        long maxPages = (long) Math.ceil(pages * (1 + 12.0 / pageSize) / 0.98) + IGNITE_RESERVED_PAGES + 1;
        return maxPages * (pageSize + SYSTEM_PAGE_OVERHEAD);
    }

    /** Pages reserved for a payload of {@code size} bytes while it is written: full data pages, a fragment, the key. */
    public static long reservedPages(long size, int pageSize) {
        int usable = pageSize - 64;
        return (size + 128 + usable - 1) / usable + 1;
    }
}
