package io.kvgrid.grid;

import org.apache.ignite.Ignite;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.lang.IgniteRunnable;
import org.apache.ignite.resources.IgniteInstanceResource;

/** Compute jobs that reserve and release block-region room on the node they run on. */
final class SpaceJobs {
    private SpaceJobs() {
    }

    static final class Reserve implements IgniteCallable<Long> {
        private static final long serialVersionUID = 1L;
        private final long bytes;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Reserve(long bytes) {
            this.bytes = bytes;
        }

        @Override
        public Long call() {
            SpaceGovernor g = KvGridRuntime.governor(ignite);
            return g == null ? -1L : g.reserve(bytes);
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
