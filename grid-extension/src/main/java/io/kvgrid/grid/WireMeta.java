package io.kvgrid.grid;

import io.kvgrid.BlockMeta;
import io.kvgrid.Tier;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** {@link BlockMeta} on the wire (records do not cross Ignite's binary format). Internal wire type. */
public final class WireMeta {
    public String key;
    public long size;
    public int checksum;
    public List<String> replicaNodes;
    public int tiers;
    public long leaseUntil;
    public long softPinUntil;
    public boolean hardPinned;
    public long created;
    public long lastAccess;

    public static WireMeta of(BlockMeta m) {
        WireMeta w = new WireMeta();
        w.key = m.key();
        w.size = m.size();
        w.checksum = m.checksum();
        w.replicaNodes = new java.util.ArrayList<>(m.replicaNodes());
        for (Tier t : m.tiers())
            w.tiers |= t.bit();
        w.leaseUntil = m.leaseUntilMillis();
        w.softPinUntil = m.softPinUntilMillis();
        w.hardPinned = m.hardPinned();
        w.created = m.createdMillis();
        w.lastAccess = m.lastAccessMillis();
        return w;
    }

    public BlockMeta toMeta() {
        Set<Tier> set = EnumSet.noneOf(Tier.class);
        for (Tier t : Tier.values())
            if ((tiers & t.bit()) != 0)
                set.add(t);
        return new BlockMeta(key, size, checksum, List.copyOf(replicaNodes), set, leaseUntil, softPinUntil, hardPinned,
            created, lastAccess);
    }
}
