package io.kvgrid.grid;

import org.apache.ignite.Ignite;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.lang.IgniteRunnable;
import org.apache.ignite.resources.IgniteInstanceResource;

/** Compute jobs that reserve and release block-region room on the node they run on. */
final class SpaceJobs {
    private SpaceJobs() {
    }

    /** Reserves pages plus credit for the calling writer; returns {id, pages granted}, id -1 without a governor. */
    static final class Reserve implements IgniteCallable<long[]> {
        private static final long serialVersionUID = 1L;
        private final long pages;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Reserve(long pages) {
            this.pages = pages;
        }

        @Override
        public long[] call() {
            SpaceGovernor g = KvGridRuntime.governor(ignite);
            return g == null ? new long[] {-1, Long.MAX_VALUE / 2} : g.reserveWithCredit(pages);
        }
    }

    static final class Release implements IgniteRunnable {
        private static final long serialVersionUID = 1L;
        private final long id;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Release(long id) {
            this.id = id;
        }

        @Override
        public void run() {
            SpaceGovernor g = KvGridRuntime.governor(ignite);
            if (g != null)
                g.release(id);
        }
    }
}
