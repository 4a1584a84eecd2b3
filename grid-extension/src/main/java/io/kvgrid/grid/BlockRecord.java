package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.Tier;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The metadata record stored in the {@code <prefix>-meta} cache, apart from the payload so lease, pin and access
 * updates never rewrite payload bytes. Stored with Ignite's binary marshaller: thin clients of any language read it
 * as a binary object with these field names (see grid-extension/README.md).
 */
public final class BlockRecord implements Cloneable {
    /** The only state a block's record is ever stored in (0 is never stored: records are installed complete). */
    static final int COMPLETE = 1;
    /**
     * A marker stored under a displaced data key (preferred-node placement), so the node holding that payload finds
     * it among its local metadata; {@code dataKey} then holds the block key.
     */
    static final int REF = 2;

    int state;
    long size;
    int crc;
    int replicas;
    String dataCache;
    String dataKey;
    long created;
    long lastAccess;
    long leaseUntil;
    long softPinUntil;
    boolean hardPin;
    int tiers;
    /**
     * Who wrote it: the writing node's id, or the name of the client's put call ({@link WriteIds}) for a put sent
     * over a block channel, by which the same call sent again knows the block as its own.
     */
    String writer;
    /**
     * Consistent id of the node whose tiers below memory hold a copy (those tiers' bits are set in {@code tiers}),
     * or null.
     */
    String tierNode;
    /** Reads served by a tier below memory since the block left memory (promotion admission). */
    int lowerReads;

    boolean complete() {
        return state == COMPLETE;
    }

    boolean inMemory() {
        return (tiers & Tier.MEMORY.bit()) != 0;
    }

    /** Whether a node's tiers below memory hold a copy. */
    boolean belowMemory() {
        return (tiers & ~Tier.MEMORY.bit()) != 0 && tierNode != null;
    }

    BlockRecord copy() {
        try {
            return (BlockRecord) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    BlockMeta toMeta(String key, List<String> replicaNodes) {
        Set<Tier> set = EnumSet.noneOf(Tier.class);
        for (Tier t : Tier.values())
            if ((tiers & t.bit()) != 0)
                set.add(t);
        return new BlockMeta(key, size, crc, replicaNodes, set, leaseUntil, softPinUntil, hardPin, created, lastAccess);
    }
}
