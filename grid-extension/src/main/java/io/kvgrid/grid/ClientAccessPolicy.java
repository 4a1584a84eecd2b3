package io.kvgrid.grid;

import org.apache.ignite.plugin.security.SecurityPermission;

import java.util.EnumSet;
import java.util.Set;

/**
 * What a thin client (any language) may do to the grid directly, outside kvgrid's own operations. Thin clients reach
 * kvgrid through its service and SQL functions, which run on the server with the node's own rights; the caches behind
 * them are kvgrid's alone: a raw write could bypass space reservation (and run a node out of region memory), a raw
 * record could be unreadable, a clear or destroy would drop every block. Reads of the raw caches stay allowed (they
 * change nothing). Cluster-wide switches that would stop or wipe an in-memory cluster are refused too, and so is
 * creating caches: a thin client's cache could be placed in kvgrid's regions and fill them behind space reservation's
 * back, and refusing it at authorization is safe where failing its start on every node (the plugin's region check,
 * which still guards server and thick-client configurations) is not.
 */
final class ClientAccessPolicy {
    /** Refused on kvgrid's caches. */
    private static final Set<SecurityPermission> CACHE_WRITES = EnumSet.of(SecurityPermission.CACHE_PUT,
        SecurityPermission.CACHE_REMOVE, SecurityPermission.CACHE_CREATE, SecurityPermission.CACHE_DESTROY);
    /** Refused whatever the name: deactivating an in-memory cluster wipes it; kills and stops end kvgrid's work. */
    private static final Set<SecurityPermission> CLUSTER_SWITCHES = EnumSet.of(SecurityPermission.ADMIN_CLUSTER_STATE,
        SecurityPermission.ADMIN_CLUSTER_NODE_STOP, SecurityPermission.ADMIN_CLUSTER_NODE_START,
        SecurityPermission.ADMIN_KILL, SecurityPermission.SERVICE_DEPLOY, SecurityPermission.SERVICE_CANCEL);

    private final String cachePrefix;

    /** {@code cachePrefix}: kvgrid's cache name prefix ({@code KvGridConfiguration.cacheNamePrefix}). */
    ClientAccessPolicy(String cachePrefix) {
        this.cachePrefix = cachePrefix + "-";
    }

    /** Null when a thin client may do {@code perm} on {@code name}; otherwise why not. */
    String refusal(String name, SecurityPermission perm) {
        if (CLUSTER_SWITCHES.contains(perm))
            return "thin clients may not " + perm + " on a kvgrid cluster";
        if (perm == SecurityPermission.CACHE_CREATE)
            return "thin clients may not create caches (" + name + ") on a kvgrid cluster; configure them on the nodes";
        if (CACHE_WRITES.contains(perm) && name != null && name.startsWith(cachePrefix))
            return "cache " + name + " belongs to kvgrid: thin clients may read it but not " + perm
                + "; write blocks through KvGridClient or the kvgrid SQL functions";
        return null;
    }
}
