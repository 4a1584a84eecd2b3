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

    /** Complete records whose whole key matches a regex. */
    static final class KeyMatches implements IgniteBiPredicate<String, BlockRecord> {
        private static final long serialVersionUID = 1L;
        private final String regex;
        private transient Pattern pattern;

        KeyMatches(String regex) {
            this.regex = regex;
        }

        @Override
        public boolean apply(String key, BlockRecord rec) {
            if (pattern == null)
                pattern = Pattern.compile(regex);
            return rec.complete() && pattern.matcher(key).matches();
        }
    }
}
