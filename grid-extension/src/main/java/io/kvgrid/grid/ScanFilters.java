package io.kvgrid.grid;

import org.apache.ignite.lang.IgniteBiPredicate;
import org.apache.ignite.lang.IgniteClosure;

import javax.cache.Cache;
import java.util.regex.Pattern;

/** Serializable scan-query pieces that run on every node over its primary metadata. */
final class ScanFilters {
    private ScanFilters() {
    }

    /** Ships keys only, not records. */
    static final IgniteClosure<Cache.Entry<String, BlockRecord>, String> KEY = new KeyOnly();

    private static final class KeyOnly implements IgniteClosure<Cache.Entry<String, BlockRecord>, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String apply(Cache.Entry<String, BlockRecord> e) {
            return e.getKey();
        }
    }

    /**
     * Complete records whose whole key matches a regex, within a time budget per node: a pattern that backtracks
     * catastrophically ({@code (.*a){20}}) would otherwise hold a thread of every node for minutes.
     */
    static final class KeyMatches implements IgniteBiPredicate<String, BlockRecord> {
        private static final long serialVersionUID = 1L;
        private final String regex;
        private final long budgetNanos;
        private transient Pattern pattern;
        private transient long deadline;

        KeyMatches(String regex, long budgetMillis) {
            this.regex = regex;
            this.budgetNanos = budgetMillis * 1_000_000L;
        }

        @Override
        public boolean apply(String key, BlockRecord rec) {
            if (pattern == null) {
                pattern = Pattern.compile(regex);
                deadline = System.nanoTime() + budgetNanos;
            }
            return rec.complete() && pattern.matcher(new Bounded(key, deadline)).matches();
        }
    }

    /** Thrown from a scan whose regex ran out of time. */
    static final class RegexTimeout extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RegexTimeout() {
            super("kvgrid regex scan ran out of time");
        }
    }

    /** A key that stops the matcher once the scan's deadline passed (checked every 4,096 characters read). */
    private record Bounded(String s, long deadline) implements CharSequence {
        private static int reads;

        @Override
        public char charAt(int i) {
            if ((++reads & 4095) == 0 && System.nanoTime() - deadline > 0)
                throw new RegexTimeout();
            return s.charAt(i);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Bounded(s.substring(start, end), deadline);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
