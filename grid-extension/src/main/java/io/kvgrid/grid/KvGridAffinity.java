package io.kvgrid.grid;

import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;

/**
 * Rendezvous affinity that places a payload's data key in its block's partition, so a node holding a payload copy also
 * holds the block's metadata (the metadata cache keeps at least as many copies). A data key is
 * {@code key SEP version}; a data key ending in {@code SEP p<N>} goes to partition N instead (preferred-node
 * placement). Plain keys hash as with Ignite's default function.
 *
 * <p>{@link #SEP} is U+FFFF, a Unicode noncharacter that block keys may not contain ({@link Args#checkKey}): data keys
 * stay printable text that every thin client (pyignite cuts strings at a NUL) reads and writes intact.
 */
public final class KvGridAffinity extends RendezvousAffinityFunction {
    private static final long serialVersionUID = 1L;

    /** Separates a block key from the version (and placement) parts of its data keys. */
    public static final char SEP = '\uFFFF';

    public KvGridAffinity() {
    }

    public KvGridAffinity(int partitions) {
        super(false, partitions);
    }

    @Override
    public int partition(Object key) {
        if (key instanceof String s) {
            int sep = s.indexOf(SEP);
            if (sep >= 0) {
                int p = s.lastIndexOf(SEP + "p");
                if (p > sep)
                    return Integer.parseInt(s, p + 2, s.length(), 10) % getPartitions();
                return super.partition(s.substring(0, sep));
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
        int sep = dataKey.indexOf(SEP);
        int dot = sep < 0 ? -1 : dataKey.indexOf('.', sep);
        if (dot < 0)
            return -1;
        try {
            return Long.parseLong(dataKey, sep + 1, dot, 36);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The data key of {@code key}'s write {@code version}, colocated with the block's metadata. */
    static String dataKey(String key, String version) {
        return key + SEP + version;
    }

    /** The data key of a write pinned to partition {@code partition} (preferred-node placement). */
    static String dataKey(String key, String version, int partition) {
        return key + SEP + version + SEP + "p" + partition;
    }

    /** The block key a data key was written for (the key itself for a key that is not a data key). */
    static String blockKey(String dataKey) {
        int sep = dataKey.indexOf(SEP);
        return sep < 0 ? dataKey : dataKey.substring(0, sep);
    }

    /** True for data keys placed away from their metadata. */
    static boolean displaced(String dataKey) {
        return dataKey.lastIndexOf(SEP + "p") > dataKey.indexOf(SEP);
    }
}
