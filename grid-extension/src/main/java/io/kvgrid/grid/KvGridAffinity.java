package io.kvgrid.grid;

import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;

/**
 * Rendezvous affinity that places a payload's data key in its block's partition, so a node holding a payload copy also
 * holds the block's metadata (the metadata cache keeps at least as many copies). A data key is
 * {@code key \0 version}; a data key ending in {@code \0p<N>} goes to partition N instead (preferred-node placement).
 * Plain keys hash as with Ignite's default function.
 */
public final class KvGridAffinity extends RendezvousAffinityFunction {
    private static final long serialVersionUID = 1L;

    public KvGridAffinity() {
    }

    public KvGridAffinity(int partitions) {
        super(false, partitions);
    }

    @Override
    public int partition(Object key) {
        if (key instanceof String s) {
            int nul = s.indexOf('\0');
            if (nul >= 0) {
                int p = s.lastIndexOf("\0p");
                if (p > nul)
                    return Integer.parseInt(s, p + 2, s.length(), 10) % getPartitions();
                return super.partition(s.substring(0, nul));
            }
        }
        return super.partition(key);
    }

    /** The start of the versions of every write by the node of topology order {@code order}. */
    static String versionPrefix(long order) {
        return Long.toString(order, 36) + ".";
    }

    /** Topology order of the node that wrote {@code dataKey} (see {@link #versionPrefix}), or -1 for other keys. */
    static long writerOrder(String dataKey) {
        int nul = dataKey.indexOf('\0');
        int dot = nul < 0 ? -1 : dataKey.indexOf('.', nul);
        if (dot < 0)
            return -1;
        try {
            return Long.parseLong(dataKey, nul + 1, dot, 36);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The data key of {@code key}'s write {@code version}, colocated with the block's metadata. */
    static String dataKey(String key, String version) {
        return key + '\0' + version;
    }

    /** The data key of a write pinned to partition {@code partition} (preferred-node placement). */
    static String dataKey(String key, String version, int partition) {
        return key + '\0' + version + "\0p" + partition;
    }

    /** The block key a data key was written for (the key itself for a key that is not a data key). */
    static String blockKey(String dataKey) {
        int nul = dataKey.indexOf('\0');
        return nul < 0 ? dataKey : dataKey.substring(0, nul);
    }

    /** True for data keys placed away from their metadata. */
    static boolean displaced(String dataKey) {
        return dataKey.lastIndexOf("\0p") > dataKey.indexOf('\0');
    }
}
