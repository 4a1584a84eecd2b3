package io.kvgrid.grid;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.IgniteClientDisconnectedException;
import org.apache.ignite.cluster.ClusterTopologyException;
import org.apache.ignite.internal.cluster.ClusterTopologyCheckedException;
import org.apache.ignite.internal.mem.IgniteOutOfMemoryException;

import javax.cache.CacheException;
import java.util.concurrent.TimeoutException;

/** Maps Ignite's exceptions to kvgrid's typed errors. */
final class Failures {
    private Failures() {
    }

    static KvGridException wrap(Throwable e, String what) {
        if (e instanceof KvGridException k)
            return k;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KvGridException k)
                return k;
            if (t instanceof IgniteOutOfMemoryException)
                return new KvGridException(ErrorCode.NO_SPACE, null, what + ": block region is full", e);
            if (t instanceof ClusterTopologyException || t instanceof ClusterTopologyCheckedException
                || t instanceof org.apache.ignite.internal.cluster.ClusterGroupEmptyCheckedException
                || t instanceof IgniteClientDisconnectedException || t instanceof IllegalStateException)
                return new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, what + ": " + t.getMessage(), e);
            if (t instanceof TimeoutException || t instanceof org.apache.ignite.lang.IgniteFutureTimeoutException)
                return new KvGridException(ErrorCode.TIMEOUT, null, what + ": " + t.getMessage(), e);
            if (t.getCause() == t)
                break;
        }
        if (e instanceof CacheException && e.getMessage() != null && e.getMessage().contains("stopping"))
            return new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, what + ": " + e.getMessage(), e);
        return new KvGridException(ErrorCode.INTERNAL, null, what + ": " + e, e);
    }
}
