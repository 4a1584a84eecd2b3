package io.kvgrid.grid;

import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.internal.processors.cache.CacheGroupContext;
import org.apache.ignite.internal.processors.cache.CacheObject;
import org.apache.ignite.internal.processors.cache.CacheObjectByteArrayImpl;
import org.apache.ignite.internal.processors.cache.CacheObjectContext;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.IgniteCacheOffheapManager;
import org.apache.ignite.internal.processors.cache.IncompleteCacheObject;
import org.apache.ignite.internal.processors.cache.KeyCacheObject;
import org.apache.ignite.internal.processors.cache.persistence.CacheDataRowAdapter;
import org.apache.ignite.internal.processors.cache.tree.RowLinkIO;
import org.apache.ignite.internal.processors.cache.tree.SearchRow;
import org.apache.ignite.internal.util.typedef.internal.CU;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;

/**
 * Reads a payload row from Ignite's data pages into an array the caller lends, instead of the fresh array Ignite's
 * own row read allocates for every value: a 1 MiB allocation and zeroing per 1 MiB get, and most of the garbage a
 * node makes while it serves gets (a young GC every second or so under thin-client gets).
 *
 * <p>The copy runs inside the B+tree lookup, under the read lock of the leaf that holds the row's link, as Ignite's
 * own lookup reads its rows: the row cannot be removed, and its pages reused, while it is copied. Nothing may be
 * thrown out of that lookup: Ignite takes a runtime failure there for a corrupted tree and hands it to the node's
 * failure handler, so every failure is caught inside and rethrown as a checked one once the lookup is done.
 *
 * <p>Only the value of a row that spans pages is read into a lent array; a row within one page is read Ignite's way
 * (its value is under a page in size).
 */
final class LentRowReads {
    private LentRowReads() {
    }

    /**
     * The byte[] value of {@code key} in {@code store}, its array from {@code arrays} (which returns an array of
     * exactly the length asked) when the row spans pages; null when absent or expired.
     */
    static byte[] read(GridCacheContext<?, ?> cctx, IgniteCacheOffheapManager.CacheDataStore store, KeyCacheObject key,
                       IntFunction<byte[]> arrays) throws IgniteCheckedException {
        key.valueBytes(cctx.cacheObjectContext());
        CacheGroupContext grp = cctx.group();
        int cacheId = grp.sharedGroup() ? cctx.cacheId() : CU.UNDEFINED_CACHE_ID;
        LentRow[] found = new LentRow[1];
        Throwable[] failed = new Throwable[1];
        store.tree().findOne(new SearchRow(cacheId, key), (tree, io, pageAddr, idx) -> {
            try {
                LentRow row = new LentRow(((RowLinkIO) io).getLink(pageAddr, idx), arrays);
                row.initFromLink(grp, CacheDataRowAdapter.RowData.FULL, true);
                found[0] = row;
            } catch (IgniteCheckedException | RuntimeException | AssertionError e) {
                failed[0] = e;
            }
            return false; // the row is read: no need for Ignite's
        }, null);
        if (failed[0] != null)
            throw new IgniteCheckedException("reading the payload row of " + key, failed[0]);
        LentRow row = found[0];
        if (row == null || (row.expireTime() > 0 && row.expireTime() <= System.currentTimeMillis()))
            return null;
        return row.bytes(cctx.cacheObjectContext());
    }

    /** A row whose value, when it spans pages, is read into a lent array. */
    private static final class LentRow extends CacheDataRowAdapter {
        private final IntFunction<byte[]> arrays;
        private LentValue lent;

        LentRow(long link, IntFunction<byte[]> arrays) {
            super(link);
            this.arrays = arrays;
        }

        @Override
        protected IncompleteCacheObject readIncompleteValue(CacheObjectContext coctx, ByteBuffer buf,
                                                            IncompleteCacheObject incomplete) {
            if (lent == null)
                lent = new LentValue(arrays);
            lent.readData(buf);
            if (lent.isReady())
                val = new CacheObjectByteArrayImpl(lent.array());
            return lent;
        }

        /** The value's bytes: the lent array, or Ignite's for a row within one page; null when not a byte[]. */
        byte[] bytes(CacheObjectContext coctx) {
            if (lent != null)
                return lent.isReady() && lent.type() == CacheObject.TYPE_BYTE_ARR ? lent.array() : null;
            CacheObject v = value();
            Object value = v == null ? null : v.value(coctx, false);
            return value instanceof byte[] b ? b : null;
        }
    }

    /**
     * A value read fragment by fragment: a head of its length (4 bytes, in the page's byte order) and type (1 byte),
     * which may itself be split between fragments, then the bytes.
     */
    static final class LentValue extends IncompleteCacheObject {
        private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
        private final IntFunction<byte[]> arrays;
        private final byte[] head = new byte[HEAD_LEN];
        private int headRead;
        private byte type;
        private byte[] array;
        private int read;

        LentValue(IntFunction<byte[]> arrays) {
            super(NOTHING.duplicate()); // nothing to read yet: Ignite's part allocates only its 5-byte head
            this.arrays = arrays;
        }

        /** Reads what {@code buf} holds of this value, up to its end. */
        @Override
        public void readData(ByteBuffer buf) {
            if (array == null) {
                int n = Math.min(HEAD_LEN - headRead, buf.remaining());
                buf.get(head, headRead, n);
                headRead += n;
                if (headRead < HEAD_LEN)
                    return;
                ByteBuffer h = ByteBuffer.wrap(head).order(buf.order());
                int len = h.getInt();
                type = h.get();
                array = arrays.apply(len);
                if (array.length != len)
                    throw new IllegalStateException("lent an array of " + array.length + " bytes for " + len);
            }
            int n = Math.min(array.length - read, buf.remaining());
            buf.get(array, read, n);
            read += n;
        }

        @Override
        public boolean isReady() {
            return array != null && read == array.length;
        }

        @Override
        public byte type() {
            return type;
        }

        byte[] array() {
            return array;
        }
    }
}
