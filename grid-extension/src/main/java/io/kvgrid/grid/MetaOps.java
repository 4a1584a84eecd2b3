package io.kvgrid.grid;

import io.kvgrid.Ticker;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CacheEntryProcessor;
import org.apache.ignite.resources.IgniteInstanceResource;

import javax.cache.processor.MutableEntry;

/**
 * Entry processors on the metadata cache. Each runs atomically on the key's primary node, so installs, leases
 * and guarded removals need one round trip and no locks.
 */
final class MetaOps {
    private MetaOps() {
    }

    /**
     * The value of a processor result. Ignite's {@code invokeAll(Map, ...)} hands back results computed on another
     * node as binary objects; deserialize those here, once, rather than at every call site.
     */
    @SuppressWarnings("unchecked")
    static <T> T value(javax.cache.processor.EntryProcessorResult<T> res) {
        Object v = res == null ? null : res.get();
        if (v instanceof org.apache.ignite.binary.BinaryObject b)
            v = b.deserialize();
        return (T) v;
    }

    /** Outcome of an install, a guarded removal or an eviction; NO_ROOM: the owner's metadata region is full. */
    enum Outcome { DONE, EXISTS, ABSENT, LEASED, KEPT, NO_ROOM }

    /**
     * The time on the node a processor runs on, the key's primary: leases, pins and access times follow the owner's
     * clock, so a caller whose clock is off can neither extend nor shorten them.
     */
    static long ownerNow(Ignite ignite) {
        KvGridRuntime rt = ignite == null ? null : KvGridRuntime.of(ignite);
        return (rt == null ? Ticker.system() : rt.store().config().getTicker()).millis();
    }

    /** Whether the owner's metadata region is too full to take a new record (see {@link SpaceGovernor}). */
    private static boolean metadataFull(Ignite ignite) {
        SpaceGovernor g = ignite == null ? null : KvGridRuntime.governor(ignite);
        return g != null && g.metadataFull();
    }

    /** Outcome plus the record it concerns. */
    static final class Result {
        final Outcome outcome;
        final BlockRecord rec;

        Result(Outcome outcome, BlockRecord rec) {
            this.outcome = outcome;
            this.rec = rec;
        }
    }

    /**
     * Installs a complete record, write-once unless {@code replace}: an existing record stays (EXISTS) or is replaced
     * (DONE). The result holds the previous record, whose payload the caller frees. Run again on the record it
     * installed (Ignite retries an atomic update after a remap, and the first run may have landed), it is DONE with
     * nothing replaced: that record's payload is this write's own.
     */
    static final class Install implements CacheEntryProcessor<String, BlockRecord, Result> {
        private static final long serialVersionUID = 1L;
        private final BlockRecord rec;
        private final boolean replace;
        private final long softPinTtl;
        @IgniteInstanceResource
        private transient Ignite ignite;

        /** {@code softPinTtl}: the pin's time to live from the install on the owner's clock, or -1 for none. */
        Install(BlockRecord rec, boolean replace, long softPinTtl) {
            this.rec = rec;
            this.replace = replace;
            this.softPinTtl = softPinTtl;
        }

        @Override
        public Result process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord prev = e.getValue();
            if (prev != null && rec.dataKey.equals(prev.dataKey))
                return new Result(Outcome.DONE, null);
            if (prev != null && !replace)
                return new Result(Outcome.EXISTS, prev);
            if (prev == null && metadataFull(ignite))
                return new Result(Outcome.NO_ROOM, null);
            long now = ownerNow(ignite);
            rec.created = now;
            rec.lastAccess = now;
            rec.softPinUntil = softPinTtl < 0 ? 0 : now + softPinTtl;
            e.setValue(rec);
            return new Result(Outcome.DONE, prev);
        }
    }

    /**
     * A read: stamps last access and, when {@code leaseTtl >= 0}, extends the lease to
     * {@code max(leaseUntil, now + leaseTtl)}. Returns the record if it is complete, else null.
     */
    static final class Touch implements CacheEntryProcessor<String, BlockRecord, BlockRecord> {
        private static final long serialVersionUID = 1L;
        private final long leaseTtl;
        private final boolean payloadRead;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Touch(long leaseTtl) {
            this(leaseTtl, false);
        }

        /** {@code payloadRead}: the caller reads the payload, which counts towards promotion from a lower tier. */
        Touch(long leaseTtl, boolean payloadRead) {
            this.leaseTtl = leaseTtl;
            this.payloadRead = payloadRead;
        }

        @Override
        public BlockRecord process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null || !r.complete())
                return null;
            long now = ownerNow(ignite);
            r.lastAccess = Math.max(r.lastAccess, now);
            if (payloadRead && !r.inMemory())
                r.lowerReads++;
            if (leaseTtl >= 0)
                r.leaseUntil = Math.max(r.leaseUntil, now + leaseTtl);
            e.setValue(r);
            return r;
        }
    }

    /** Removes a complete record unless leased (or forced). Returns {Outcome, record}. */
    static final class Remove implements CacheEntryProcessor<String, BlockRecord, Result> {
        private static final long serialVersionUID = 1L;
        private final boolean force;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Remove(boolean force) {
            this.force = force;
        }

        @Override
        public Result process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null || !r.complete())
                return new Result(Outcome.ABSENT, null);
            if (!force && r.leaseUntil > ownerNow(ignite))
                return new Result(Outcome.LEASED, r);
            e.remove();
            return new Result(Outcome.DONE, r);
        }
    }

    /**
     * Finishes evicting the in-memory copy written under {@code dataKey}, re-checking eligibility atomically. If the
     * block was read (leased, or its access time moved past {@code pickedAccess}, the access time it was picked by),
     * pinned hard or rewritten since it was picked, the memory copy stays (KEPT; a lower-tier copy made meanwhile is
     * recorded). Otherwise the record loses its MEMORY tier: it is removed, or, when
     * {@code lowerNode} kept a copy, it now points there (DONE).
     */
    static final class FinishEvict implements CacheEntryProcessor<String, BlockRecord, Outcome> {
        private static final long serialVersionUID = 1L;
        private final String dataKey;
        private final long pickedAccess;
        private final long now;
        private final String lowerNode;
        private final int lowerTierBits;

        /** {@code lowerTierBits}: the tiers of {@code lowerNode} that took a copy. */
        FinishEvict(String dataKey, long pickedAccess, long now, String lowerNode, int lowerTierBits) {
            this.dataKey = dataKey;
            this.pickedAccess = pickedAccess;
            this.now = now;
            this.lowerNode = lowerNode;
            this.lowerTierBits = lowerTierBits;
        }

        @Override
        public Outcome process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null || !r.complete() || !r.inMemory() || !dataKey.equals(r.dataKey))
                return Outcome.ABSENT;
            // pickedAccess 0: sent by a node of a version before the re-check (access times are always later).
            boolean stays = r.hardPin || r.leaseUntil > now || (pickedAccess > 0 && r.lastAccess > pickedAccess);
            if (lowerNode != null) {
                r.tiers = (r.tiers & io.kvgrid.Tier.MEMORY.bit()) | lowerTierBits;
                r.tierNode = lowerNode;
                r.lowerReads = 0;
            }
            if (stays) {
                if (lowerNode != null)
                    e.setValue(r);
                return Outcome.KEPT;
            }
            if (lowerNode == null) {
                e.remove();
                return Outcome.DONE;
            }
            r.tiers &= ~io.kvgrid.Tier.MEMORY.bit();
            e.setValue(r);
            return Outcome.DONE;
        }
    }

    /** Puts a lower-tier block back in memory under {@code rec}'s data key, if it is still the same block. */
    static final class Promote implements CacheEntryProcessor<String, BlockRecord, Boolean> {
        private static final long serialVersionUID = 1L;
        private final BlockRecord rec;

        Promote(BlockRecord rec) {
            this.rec = rec;
        }

        @Override
        public Boolean process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null || !r.complete() || r.inMemory() || r.crc != rec.crc || r.size != rec.size)
                return false;
            r.tiers |= io.kvgrid.Tier.MEMORY.bit();
            r.dataKey = rec.dataKey;
            r.dataCache = rec.dataCache;
            r.replicas = rec.replicas;
            r.lowerReads = 0;
            e.setValue(r);
            return true;
        }
    }

    /**
     * A tier of a node's chain below memory dropped the block: the record keeps the tiers of that node still holding
     * a copy ({@code stillHeld}, 0 for none, then it no longer names the node); a record left in no tier is removed.
     */
    static final class TierGone implements CacheEntryProcessor<String, BlockRecord, Boolean> {
        private static final long serialVersionUID = 1L;
        private final String node;
        private final int stillHeld;

        TierGone(String node, int stillHeld) {
            this.node = node;
            this.stillHeld = stillHeld & ~io.kvgrid.Tier.MEMORY.bit();
        }

        @Override
        public Boolean process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null || !r.complete() || !node.equals(r.tierNode)
                || (r.tiers & ~io.kvgrid.Tier.MEMORY.bit()) == stillHeld)
                return false;
            r.tiers = (r.tiers & io.kvgrid.Tier.MEMORY.bit()) | stillHeld;
            if (stillHeld == 0)
                r.tierNode = null;
            if (r.tiers == 0)
                e.remove();
            else
                e.setValue(r);
            return true;
        }
    }

    /**
     * A restarted node announces a block its lower tier kept. Absent blocks come back as lower-tier blocks; a record
     * of the same bytes gains the tier; a record of other bytes (rewritten meanwhile) makes the copy stale (false).
     */
    static final class Announce implements CacheEntryProcessor<String, BlockRecord, Boolean> {
        private static final long serialVersionUID = 1L;
        private final BlockRecord rec;
        @IgniteInstanceResource
        private transient Ignite ignite;

        Announce(BlockRecord rec) {
            this.rec = rec;
        }

        @Override
        public Boolean process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null) {
                if (metadataFull(ignite))
                    return false;
                rec.created = ownerNow(ignite);
                rec.lastAccess = rec.created;
                e.setValue(rec);
                return true;
            }
            if (!r.complete() || r.crc != rec.crc || r.size != rec.size)
                return false;
            if (!r.belowMemory()) {
                r.tiers |= rec.tiers;
                r.tierNode = rec.tierNode;
                e.setValue(r);
            }
            return true;
        }
    }

    /**
     * The in-memory payload under {@code dataKey} is gone (its only copies died with their nodes, or a crash came
     * between a spill and its metadata update): clear MEMORY if the record still names that payload; a record left
     * in no tier is removed. Returns the record as it is now, or null when none is left.
     */
    static final class MemoryGone implements CacheEntryProcessor<String, BlockRecord, BlockRecord> {
        private static final long serialVersionUID = 1L;
        private final String dataKey;

        MemoryGone(String dataKey) {
            this.dataKey = dataKey;
        }

        @Override
        public BlockRecord process(MutableEntry<String, BlockRecord> e, Object... args) {
            BlockRecord r = e.getValue();
            if (r == null || !r.complete())
                return null;
            if (!r.inMemory() || !dataKey.equals(r.dataKey))
                return r;
            r.tiers &= ~io.kvgrid.Tier.MEMORY.bit();
            if (!r.belowMemory()) {
                e.remove();
                return null;
            }
            e.setValue(r);
            return r;
        }
    }
}
