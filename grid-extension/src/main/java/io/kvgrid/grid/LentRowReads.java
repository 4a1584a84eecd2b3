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
 * Reads a payload row from Ignite's data pages into a buffer the caller lends, instead of the fresh array Ignite's
 * own row read allocates for every value: a 1 MiB allocation and zeroing per 1 MiB get, and most of the garbage a
 * node makes while it serves gets (a young GC every second or so under thin-client gets). A direct buffer saves the
 * plaintext channel one more copy: its socket writes the buffer as it is, where a heap array is first copied into a
 * direct buffer by the JDK.
 *
 * <p>The copy runs inside the B+tree lookup, under the read lock of the leaf that holds the row's link, as Ignite's
 * own lookup reads its rows: the row cannot be removed, and its pages reused, while it is copied. Nothing may be
 * thrown out of that lookup: Ignite takes a runtime failure there for a corrupted tree and hands it to the node's
 * failure handler, so every failure is caught inside and rethrown as a checked one once the lookup is done.
 *
 * <p>Only the value of a row that spans pages is read into a lent buffer; a row within one page is read Ignite's way
 * (its value is under a page in size).
 */
final class LentRowReads {
    private LentRowReads() {
    }

    /**
     * The byte[] value of {@code key} in {@code store}: read into a buffer from {@code buffers} (which returns one of
     * exactly the length asked, from position 0) when the row spans pages, and returned as that buffer, flipped;
     * Ignite's byte[] for a row within one page; null when absent, expired or not a byte[].
     */
    static Object read(GridCacheContext<?, ?> cctx, IgniteCacheOffheapManager.CacheDataStore store, KeyCacheObject key,
                       IntFunction<ByteBuffer> buffers) throws IgniteCheckedException {
        key.valueBytes(cctx.cacheObjectContext());
        CacheGroupContext grp = cctx.group();
        int cacheId = grp.sharedGroup() ? cctx.cacheId() : CU.UNDEFINED_CACHE_ID;
        LentRow[] found = new LentRow[1];
        Throwable[] failed = new Throwable[1];
        store.tree().findOne(new SearchRow(cacheId, key), (tree, io, pageAddr, idx) -> {
            try {
                LentRow row = new LentRow(((RowLinkIO) io).getLink(pageAddr, idx), buffers);
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

    /** A row whose value, when it spans pages, is read into a lent buffer. */
    private static final class LentRow extends CacheDataRowAdapter {
        /** Ignite reads on to the row's version once its value is set; the value read is the lent buffer. */
        private static final CacheObject READ_INTO_BUFFER = new CacheObjectByteArrayImpl(new byte[0]);
        private final IntFunction<ByteBuffer> buffers;
        private LentValue lent;

        LentRow(long link, IntFunction<ByteBuffer> buffers) {
            super(link);
            this.buffers = buffers;
        }

        @Override
        protected IncompleteCacheObject readIncompleteValue(CacheObjectContext coctx, ByteBuffer buf,
                                                            IncompleteCacheObject incomplete) {
            if (lent == null)
                lent = new LentValue(buffers);
            lent.readData(buf);
            if (lent.isReady())
                val = READ_INTO_BUFFER;
            return lent;
        }

        /**
         * The value's bytes: the lent buffer (flipped), or Ignite's array for a row within one page; null when not a
         * byte[].
         */
        Object bytes(CacheObjectContext coctx) {
            if (lent != null)
                return lent.isReady() && lent.type() == CacheObject.TYPE_BYTE_ARR ? lent.buffer().flip() : null;
            CacheObject v = value();
            Object value = v == null ? null : v.value(coctx, false);
            return value instanceof byte[] b ? b : null;
        }
    }

    /** A value read fragment by fragment into a buffer lent for its length. */
    static final class LentValue extends FragmentedValue {
        private final IntFunction<ByteBuffer> buffers;
        private ByteBuffer target;

        LentValue(IntFunction<ByteBuffer> buffers) {
            this.buffers = buffers;
        }

        @Override
        void begin(int length) {
            target = buffers.apply(length);
            if (target.position() != 0 || target.remaining() != length)
                throw new IllegalStateException("lent a buffer of " + target.remaining() + " bytes from "
                    + target.position() + " for " + length);
        }

        @Override
        void take(ByteBuffer buf, int n) {
            target.put(target.position(), buf, buf.position(), n);
            target.position(target.position() + n);
            buf.position(buf.position() + n);
        }

        /** The buffer read into: its position at the end of what was read. */
        ByteBuffer buffer() {
            return target;
        }
    }
}
