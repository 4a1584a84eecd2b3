package io.kvgrid.grid;

import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.internal.GridKernalContext;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.cache.CacheObject;
import org.apache.ignite.internal.processors.cache.CacheObjectByteArrayImpl;
import org.apache.ignite.events.EventType;
import org.apache.ignite.internal.processors.cache.CacheObjectContext;
import org.apache.ignite.internal.processors.cache.GridCacheAdapter;
import org.apache.ignite.internal.processors.cache.GridCacheContext;
import org.apache.ignite.internal.processors.cache.IncompleteCacheObject;
import org.apache.ignite.internal.processors.cache.binary.CacheObjectBinaryProcessorImpl;

import java.nio.ByteBuffer;
import java.util.Set;

/**
 * Frees payload rows without copying them out of the pages. Ignite's atomic remove reads the whole row it frees, its
 * value into a fresh array, though a remove that returns nothing never looks at it: evicting a 2 MiB block copied 2 MiB
 * out of the region and left them as garbage, as much work as the write that needed the room (JFR, section "Measured
 * (2026-12-02)" of the README), and a young collection every 0.7 s under a full region's writes.
 *
 * <p>Ignite asks plugins for its cache object processor; kvgrid's is Ignite's own with one change: while a thread
 * runs {@link #remove} on a payload cache, a value that spans pages read on that thread for that cache is passed over
 * fragment by fragment (its pages are still visited, and the row's version after it read) and stands as an empty
 * array. A remove of a key whose primary is this node runs on the caller's thread, so only those rows are passed
 * over; a remote primary's or a backup's copy is removed on Ignite's threads and read as before. The rows passed over
 * are those of payloads no record names any more: nothing reads their value again. Where something on the node would
 * look at removed values (a cache dump running, an interceptor, a continuous query, recorded removal events: kvgrid
 * sets none of these on its payload caches), rows are removed Ignite's way.
 */
final class UnreadRemovals extends CacheObjectBinaryProcessorImpl {
    /** Name of the cache whose removed rows this thread passes over; null when none. */
    private static final ThreadLocal<String> REMOVING = new ThreadLocal<>();
    private static final CacheObject UNREAD = new CacheObjectByteArrayImpl(new byte[0]);
    /** Values passed over on any node of this JVM (tests see that the removals took this path). */
    private static final java.util.concurrent.atomic.LongAdder PASSED_OVER = new java.util.concurrent.atomic.LongAdder();

    private UnreadRemovals(GridKernalContext ctx) {
        super(ctx);
    }

    /** The processor Ignite asks plugins for, for node {@code ignite} (starting). */
    static UnreadRemovals processor(Ignite ignite) {
        return new UnreadRemovals(((IgniteEx) ignite).context());
    }

    /**
     * Removes {@code keys} from {@code cache} (payloads nobody points at), passing over the values of rows removed on
     * this thread when this node's processor is an {@code UnreadRemovals}; a plain {@code removeAll} otherwise.
     */
    static <K> void remove(IgniteCache<K, ?> cache, Set<K> keys) {
        if (!unread(cache)) {
            cache.removeAll(keys);
            return;
        }
        REMOVING.set(cache.getName());
        try {
            cache.removeAll(keys);
        } finally {
            REMOVING.remove();
        }
    }

    /**
     * True when nothing on this node would look at the old values of {@code cache}'s removed rows: no cache dump
     * running (it writes the values of rows changed while it runs), no interceptor, no continuous query, removal
     * events not recorded. kvgrid sets none of these on its payload caches; an application embedding it might.
     */
    private static boolean unread(IgniteCache<?, ?> cache) {
        GridCacheAdapter<?, ?> c = ((IgniteEx) cache.unwrap(Ignite.class)).context().cache()
            .internalCache(cache.getName());
        if (c == null)
            return false;
        GridCacheContext<?, ?> cctx = c.context();
        return cctx.dumpListener() == null && cctx.config().getInterceptor() == null
            && !cctx.events().isRecordable(EventType.EVT_CACHE_OBJECT_REMOVED)
            && none(cctx.continuousQueries().updateListeners(false, false))
            && none(cctx.continuousQueries().updateListeners(true, false));
    }

    private static boolean none(java.util.Map<?, ?> listeners) {
        return listeners == null || listeners.isEmpty();
    }

    static long valuesPassedOver() {
        return PASSED_OVER.sum();
    }

    @Override
    public IncompleteCacheObject toCacheObject(CacheObjectContext ctx, ByteBuffer buf, IncompleteCacheObject incomplete) {
        if (incomplete instanceof PassedOver p) {
            p.readData(buf);
            return p;
        }
        // Only a value's first fragment decides (a read of 1 MiB is 64 fragments of 16 KiB pages).
        if (incomplete == null && ctx.cacheName().equals(REMOVING.get())) {
            PassedOver p = new PassedOver();
            p.readData(buf);
            PASSED_OVER.increment();
            return p;
        }
        return super.toCacheObject(ctx, buf, incomplete);
    }

    /** A value read past: its bytes skipped, an empty array standing for it once read. */
    static final class PassedOver extends FragmentedValue {
        @Override
        void begin(int length) {
        }

        @Override
        void take(ByteBuffer buf, int n) {
            buf.position(buf.position() + n);
        }

        @Override
        public CacheObject object() {
            return isReady() ? UNREAD : null;
        }
    }
}
