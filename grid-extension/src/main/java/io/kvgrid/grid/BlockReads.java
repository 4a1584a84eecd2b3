package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import org.apache.ignite.lang.IgniteFuture;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A read of whole blocks: records touched (leases renewed while payloads are fetched), payloads fetched, each checked
 * against its record, every key answered on its own.
 */
final class BlockReads {
    private final RecordTouch touch;
    private final PayloadFetcher fetcher;
    private final StoreMeters meters;
    /** On client nodes: reads go to the record's primary over its block channel; null on server nodes. */
    private final ChannelRoutes channel;

    BlockReads(RecordTouch touch, PayloadFetcher fetcher, StoreMeters meters, ChannelRoutes channel) {
        this.touch = touch;
        this.fetcher = fetcher;
        this.meters = meters;
        this.channel = channel;
    }

    private static KvGridException notFound(String key) {
        return new KvGridException(ErrorCode.NOT_FOUND, "key", "no block " + key);
    }


    /**
     * {@code read}'s results, or every key failed with TIMEOUT when the records could not be read by the read
     * deadline (payloads past it fail key by key inside the read).
     */
    private static <T> List<KeyResult<T>> orLate(List<String> keys,
                                                 java.util.function.Supplier<List<KeyResult<T>>> read) {
        try {
            return read.get();
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            List<KeyResult<T>> out = new java.util.ArrayList<>();
            for (String k : keys)
                out.add(KeyResult.failed(k, e));
            return List.copyOf(out);
        }
    }

    List<KeyResult<byte[]>> readBlocks(List<String> keys) {
        if (channel != null)
            return channel.read(keys, rest -> orLate(rest, () -> readTouched(rest)));
        return orLate(keys, () -> readTouched(keys));
    }

    private List<KeyResult<byte[]>> readTouched(List<String> keys) {
        org.apache.ignite.lang.IgniteFuture<?>[] renewal = new org.apache.ignite.lang.IgniteFuture<?>[1];
        return fetchVerified(keys, touch.touch(keys, true, true, renewal), renewal,
            PayloadFetcher.FRESH_ARRAYS, fetcher::verified);
    }

    /** One group of {@link #readGrouped}. */
    interface GroupReader {
        /**
         * Takes the group of {@code keys} whose payloads come to {@code bytes} by their records: calls {@code fetch}
         * (once, when it may hold them) and hands on what it returns. {@code fetch} takes the buffers to read payloads
         * into ({@link LentBuffers.Loan}), or null for arrays of their own; the bytes come from position to limit.
         */
        void group(List<String> keys, long bytes,
                   java.util.function.Function<IntFunction<ByteBuffer>, List<KeyResult<ByteBuffer>>> fetch)
            throws java.io.IOException;
    }

    /**
     * {@link #readBlocks}, for a reader that passes blocks on as they come: the records are read (and leased) once,
     * then the payloads are fetched group by group, each group at most {@code groupBytes} by the records' sizes (a
     * larger block alone), so a caller can bound the bytes it holds. The lease renewal is awaited before the first
     * group is handed on.
     */
    void readGrouped(List<String> keys, long groupBytes, GroupReader reader) throws java.io.IOException {
        org.apache.ignite.lang.IgniteFuture<?>[] renewal = new org.apache.ignite.lang.IgniteFuture<?>[1];
        Map<String, BlockRecord> recs;
        try {
            recs = touch.touch(keys, true, true, renewal);
        } catch (KvGridException e) {
            if (!Deadlines.passed(e))
                throw e;
            reader.group(keys, 0, buffers -> orLate(keys, () -> {
                throw e;
            }));
            return;
        }
        for (int from = 0, to; from < keys.size(); from = to) {
            long bytes = size(recs.get(keys.get(from)));
            for (to = from + 1; to < keys.size() && bytes + size(recs.get(keys.get(to))) <= groupBytes; to++)
                bytes += size(recs.get(keys.get(to)));
            List<String> group = keys.subList(from, to);
            Map<String, BlockRecord> groupRecs = new HashMap<>();
            for (String k : group)
                if (recs.containsKey(k))
                    groupRecs.put(k, recs.get(k));
            org.apache.ignite.lang.IgniteFuture<?>[] await = from == 0 ? renewal : new org.apache.ignite.lang.IgniteFuture<?>[1];
            reader.group(group, bytes, buffers -> orLate(group,
                () -> fetchVerified(group, groupRecs, await, buffers == null ? null : k -> buffers,
                    fetcher::verifiedBuffer)));
        }
    }

    private static long size(BlockRecord r) {
        return r == null ? 0 : r.size;
    }

    /** A fetched payload checked against its record ({@link PayloadFetcher#verified} and its buffer form). */
    private interface Verifier<T> {
        T verified(String key, BlockRecord r, Object fetched);
    }

    /**
     * The payloads of {@code keys} with records {@code recs}, checked by {@code verifier}; awaits {@code renewal} once
     * they are read. Payloads are read into buffers from {@code buffers} where not null ({@link
     * PayloadFetcher#fetch(Map, Set, PayloadFetcher.Lender)}).
     */
    private <T> List<KeyResult<T>> fetchVerified(List<String> keys, Map<String, BlockRecord> recs,
                                                 org.apache.ignite.lang.IgniteFuture<?>[] renewal,
                                                 PayloadFetcher.Lender buffers, Verifier<T> verifier) {
        Set<String> above = new HashSet<>();
        Map<String, Object> bytes = fetcher.fetch(recs, above, buffers);
        RecordTouch.awaitRenewal(renewal);
        KeyResult<T>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++) {
            String k = keys.get(i);
            BlockRecord r = recs.get(k);
            try {
                meters.read(r, above.contains(k));
                if (r == null)
                    throw notFound(k);
                out[i] = KeyResult.ok(k, verifier.verified(k, r, bytes.get(k)));
            } catch (KvGridException e) {
                out[i] = KeyResult.failed(k, e);
            }
        }
        return List.of(out);
    }


    List<KeyResult<Integer>> getInto(List<String> keys, List<ByteBuffer> buffers,
                                     IntFunction<String> bufferArg) {
        // A client node's blocks come from the records' primaries over their channels, as its gets do, instead of
        // through Ignite's getAll; then into the buffers, as a thin client's do.
        if (channel != null)
            return Payloads.into(readBlocks(keys), buffers, bufferArg);
        return orLate(keys, () -> copyTouched(keys, buffers, bufferArg));
    }

    /**
     * Reads the blocks of {@code keys} into their buffers. A payload held here that spans pages is read out of the pages
     * straight into its caller's buffer (from its position; the first with room of a key asked twice; not a buffer
     * passed for several keys); any other (a
     * remote copy, a lower tier, a row within one page) comes as an array and is copied in. A buffer's position moves
     * past the bytes of a block read whole and checked; on a failure it stays where it was, though the bytes past it
     * may have been written.
     */
    private List<KeyResult<Integer>> copyTouched(List<String> keys, List<ByteBuffer> buffers,
                                                 IntFunction<String> bufferArg) {
        org.apache.ignite.lang.IgniteFuture<?>[] renewal = new org.apache.ignite.lang.IgniteFuture<?>[1];
        Map<String, BlockRecord> recs = touch.touch(keys, true, true, renewal);
        Map<String, BlockRecord> wanted = new HashMap<>();
        // A buffer passed for several keys (blocks packed one after another) fills as the results are placed, so the
        // pages are read straight into buffers passed once only; the others get a copy of what was read.
        Map<ByteBuffer, Integer> uses = new java.util.IdentityHashMap<>();
        for (ByteBuffer b : buffers)
            uses.merge(b, 1, Integer::sum);
        Map<String, Integer> into = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            BlockRecord r = recs.get(keys.get(i));
            if (r != null && r.size <= buffers.get(i).remaining()) {
                wanted.put(keys.get(i), r);
                if (uses.get(buffers.get(i)) == 1)
                    into.putIfAbsent(keys.get(i), i);
            }
        }
        Map<String, ByteBuffer> lent = new HashMap<>();
        Set<String> above = new HashSet<>();
        Map<String, Object> bytes = fetcher.fetch(wanted, above, k -> len -> {
            Integer at = into.get(k);
            ByteBuffer buf = at == null ? null : buffers.get(at);
            // A block replaced by a larger one while read: a buffer of its own, which the size check then refuses.
            ByteBuffer b = buf != null && len <= buf.remaining() ? buf.slice(buf.position(), len)
                : ByteBuffer.allocate(len);
            lent.put(k, b);
            return b;
        });
        RecordTouch.awaitRenewal(renewal);
        KeyResult<Integer>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++) {
            String k = keys.get(i);
            BlockRecord r = recs.get(k);
            ByteBuffer buf = buffers.get(i);
            try {
                meters.read(r, above.contains(k));
                if (r == null)
                    throw notFound(k);
                checkRoom(k, r.size, buf, bufferArg.apply(i));
                ByteBuffer b = fetcher.verifiedBuffer(k, r, bytes.get(k));
                int n = b.remaining();
                checkRoom(k, n, buf, bufferArg.apply(i)); // replaced by a larger block while read
                if (b == lent.get(k) && Integer.valueOf(i).equals(into.get(k)))
                    buf.position(buf.position() + n); // read in place
                else
                    buf.put(b.duplicate());
                out[i] = KeyResult.ok(k, n);
            } catch (KvGridException e) {
                out[i] = KeyResult.failed(k, e);
            }
        }
        return List.of(out);
    }


    private static void checkRoom(String key, long size, ByteBuffer buf, String arg) {
        if (size > buf.remaining())
            throw Payloads.tooSmall(key, size, buf, arg);
    }

    @SuppressWarnings("unchecked")
    private static <T> KeyResult<T>[] newResults(int n) {
        return new KeyResult[n];
    }
}
