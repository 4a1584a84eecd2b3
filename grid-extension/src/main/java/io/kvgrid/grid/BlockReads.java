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
        Map<String, BlockRecord> recs = touch.touch(keys, true, true, renewal);
        Set<String> above = new HashSet<>();
        Map<String, Object> bytes = fetcher.fetch(recs, above);
        RecordTouch.awaitRenewal(renewal);
        KeyResult<byte[]>[] out = newResults(keys.size());
        for (int i = 0; i < out.length; i++) {
            String k = keys.get(i);
            BlockRecord r = recs.get(k);
            try {
                meters.read(r, above.contains(k));
                if (r == null)
                    throw notFound(k);
                out[i] = KeyResult.ok(k, fetcher.verified(k, r, bytes.get(k)));
            } catch (KvGridException e) {
                out[i] = KeyResult.failed(k, e);
            }
        }
        return List.of(out);
    }


    List<KeyResult<Integer>> getInto(List<String> keys, List<ByteBuffer> buffers,
                                     java.util.function.IntFunction<String> bufferArg) {
        return orLate(keys, () -> copyTouched(keys, buffers, bufferArg));
    }

    private List<KeyResult<Integer>> copyTouched(List<String> keys, List<ByteBuffer> buffers,
                                                 java.util.function.IntFunction<String> bufferArg) {
        org.apache.ignite.lang.IgniteFuture<?>[] renewal = new org.apache.ignite.lang.IgniteFuture<?>[1];
        Map<String, BlockRecord> recs = touch.touch(keys, true, true, renewal);
        Map<String, BlockRecord> wanted = new HashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            BlockRecord r = recs.get(keys.get(i));
            if (r != null && r.size <= buffers.get(i).remaining())
                wanted.put(keys.get(i), r);
        }
        Set<String> above = new HashSet<>();
        Map<String, Object> bytes = fetcher.fetch(wanted, above);
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
                if (r.size > buf.remaining())
                    throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, bufferArg.apply(i),
                        "block " + k + " has " + r.size + " bytes, buffer has " + buf.remaining() + " remaining");
                byte[] b = fetcher.verified(k, r, bytes.get(k));
                buf.put(b);
                out[i] = KeyResult.ok(k, b.length);
            } catch (KvGridException e) {
                out[i] = KeyResult.failed(k, e);
            }
        }
        return List.of(out);
    }


    @SuppressWarnings("unchecked")
    private static <T> KeyResult<T>[] newResults(int n) {
        return new KeyResult[n];
    }
}
