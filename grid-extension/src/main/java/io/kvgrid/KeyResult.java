package io.kvgrid;

/**
 * Per-key result of a batch call: a value, or the error for that key alone.
 *
 * <pre>{@code
 * for (KeyResult<byte[]> r : store.batchGet(keys))
 *     if (r.ok()) use(r.key(), r.value()); else if (r.error().code() != ErrorCode.NOT_FOUND) throw r.error();
 * }</pre>
 */
public record KeyResult<T>(String key, T value, KvGridException error) {
    public static <T> KeyResult<T> ok(String key, T value) {
        return new KeyResult<>(key, value, null);
    }

    public static <T> KeyResult<T> failed(String key, KvGridException error) {
        return new KeyResult<>(key, null, error);
    }

    public boolean ok() {
        return error == null;
    }

    /** The value, or throws this key's error. */
    public T valueOrThrow() {
        if (error != null)
            throw error;
        return value;
    }
}
