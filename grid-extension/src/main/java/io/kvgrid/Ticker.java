package io.kvgrid;

/**
 * The clock kvgrid reads for leases, pins and access times, in milliseconds since the epoch.
 * Injected through {@link KvGridConfiguration#setTicker(Ticker)} so tests can move time without sleeping.
 *
 * <pre>{@code
 * AtomicLong now = new AtomicLong(1_000);
 * config.setTicker(now::get);
 * now.addAndGet(10_001);   // every 10 s lease has run out
 * }</pre>
 */
@FunctionalInterface
public interface Ticker {
    /** Current time in epoch milliseconds. */
    long millis();

    /** The wall clock. */
    static Ticker system() {
        return System::currentTimeMillis;
    }
}
