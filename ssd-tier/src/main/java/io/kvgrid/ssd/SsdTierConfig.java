package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.file.Path;

/**
 * Settings of an {@link SsdTier}. Each setter checks its value at once and throws
 * {@link ErrorCode#INVALID_CONFIG} naming the property; {@link SsdTier#open(SsdTierConfig)} checks that the required
 * ones are set and that they agree. Setters return {@code this} and also work as Java bean setters (Spring XML).
 *
 * <pre>{@code
 * SsdTierConfig cfg = new SsdTierConfig()
 *         .setDirectory(Path.of("/mnt/nvme0/kvgrid"))
 *         .setCapacityBytes(64L << 30)        // data file of 64 GiB
 *         .setSyncWrites(true)                // fsync each payload before it is acknowledged
 *         .setDropGuard(key -> !leases.isLeased(key))
 *         .setDropListener((key, why) -> meta.clearTier(key, Tier.SSD));
 * try (SsdTier ssd = SsdTier.open(cfg)) { ... }
 * }</pre>
 */
public final class SsdTierConfig {
    /** Smallest capacity accepted: one 64 KiB block. */
    public static final long MIN_CAPACITY_BYTES = 64 * 1024;
    /** Smallest block the default index sizing plans for (the index holds capacity / 64 KiB entries). */
    public static final int TYPICAL_MIN_BLOCK_BYTES = 64 * 1024;

    private Path directory;
    private long capacityBytes;
    private long maxBlocks;
    private boolean syncWrites;
    private boolean directIo = true;
    private boolean verifyOnRecovery;
    private boolean preallocate = true;
    private DropGuard dropGuard = DropGuard.ALLOW_ALL;
    private DropListener dropListener = DropListener.NONE;

    private static KvGridException bad(String property, String message) {
        return new KvGridException(ErrorCode.INVALID_CONFIG, property, message);
    }

    /** Directory holding the index, the data file and the lock file; created when missing. */
    public Path getDirectory() { return directory; }

    public SsdTierConfig setDirectory(Path v) {
        if (v == null)
            throw bad("directory", "must not be null");
        if (v.toString().isBlank())
            throw bad("directory", "must not be blank");
        directory = v;
        return this;
    }

    /** Size of the data file: the most payload bytes (rounded up to 4 KiB each) the tier holds. */
    public long getCapacityBytes() { return capacityBytes; }

    public SsdTierConfig setCapacityBytes(long v) {
        if (v < MIN_CAPACITY_BYTES)
            throw bad("capacityBytes", "must be at least " + MIN_CAPACITY_BYTES + " (64 KiB), was " + v);
        if (maxBlocks > 0 && maxBlocks > v / BlockFile.ALIGN)
            throw bad("capacityBytes", "holds fewer 4 KiB units than maxBlocks=" + maxBlocks + ", was " + v);
        capacityBytes = v;
        return this;
    }

    /** Most blocks the index holds; 0 (default) means capacityBytes / 64 KiB, at least 256. */
    public long getMaxBlocks() { return maxBlocks; }

    public SsdTierConfig setMaxBlocks(long v) {
        if (v < 0 || v > 1L << 32)
            throw bad("maxBlocks", "must be 0 (derived from capacityBytes) or 1.." + (1L << 32) + ", was " + v);
        if (v > 0 && capacityBytes > 0 && v > capacityBytes / BlockFile.ALIGN)
            throw bad("maxBlocks", "exceeds the 4 KiB units of capacityBytes=" + capacityBytes + ", was " + v);
        maxBlocks = v;
        return this;
    }

    /** The maxBlocks in effect. */
    long effectiveMaxBlocks() {
        return maxBlocks > 0 ? maxBlocks : Math.max(256, capacityBytes / TYPICAL_MIN_BLOCK_BYTES);
    }

    /**
     * When true, every {@code put} forces its payload to the device (fdatasync) before it publishes the index entry
     * and returns. When false (default) payloads reach the device with the page cache, which survives a killed
     * process but not a power cut.
     */
    public boolean isSyncWrites() { return syncWrites; }

    public SsdTierConfig setSyncWrites(boolean v) {
        syncWrites = v;
        return this;
    }

    /**
     * Open the data file with O_DIRECT, bypassing the page cache (default true; see README for the measurements).
     * Page-aligned direct buffers are transferred in place, others through a per-thread aligned staging buffer.
     * Where the file system refuses O_DIRECT (tmpfs) the tier falls back to buffered I/O and logs a warning.
     */
    public boolean isDirectIo() { return directIo; }

    public SsdTierConfig setDirectIo(boolean v) {
        directIo = v;
        return this;
    }

    /**
     * Write zeros over the whole data file when it is created or grown, so the file system allocates every block
     * up front (default true). Measured on ext4 with O_DIRECT, spilling into a sparse file ran at 0.4-0.6x of dd
     * while a preallocated one ran above 1x (see README). The price: creating a 64 GiB tier writes 64 GiB once.
     */
    public boolean isPreallocate() { return preallocate; }

    public SsdTierConfig setPreallocate(boolean v) {
        preallocate = v;
        return this;
    }

    /**
     * After an unclean stop, read every block once while opening and drop those whose CRC32C does not match
     * (default false: damaged blocks are found and dropped at their first read instead).
     */
    public boolean isVerifyOnRecovery() { return verifyOnRecovery; }

    public SsdTierConfig setVerifyOnRecovery(boolean v) {
        verifyOnRecovery = v;
        return this;
    }

    /** Which blocks may be dropped to make room; default {@link DropGuard#ALLOW_ALL}. */
    public DropGuard getDropGuard() { return dropGuard; }

    public SsdTierConfig setDropGuard(DropGuard v) {
        if (v == null)
            throw bad("dropGuard", "must not be null (use DropGuard.ALLOW_ALL)");
        dropGuard = v;
        return this;
    }

    /** Told about blocks the tier drops on its own; default {@link DropListener#NONE}. */
    public DropListener getDropListener() { return dropListener; }

    public SsdTierConfig setDropListener(DropListener v) {
        if (v == null)
            throw bad("dropListener", "must not be null (use DropListener.NONE)");
        dropListener = v;
        return this;
    }

    /** Checks that required properties are set (the setters checked each value). */
    void validate() {
        if (directory == null)
            throw bad("directory", "is required");
        if (capacityBytes == 0)
            throw bad("capacityBytes", "is required");
    }

    /** A copy, so later changes to this object do not reach an open tier. */
    SsdTierConfig copy() {
        SsdTierConfig c = new SsdTierConfig();
        c.directory = directory;
        c.capacityBytes = capacityBytes;
        c.maxBlocks = maxBlocks;
        c.syncWrites = syncWrites;
        c.directIo = directIo;
        c.verifyOnRecovery = verifyOnRecovery;
        c.preallocate = preallocate;
        c.dropGuard = dropGuard;
        c.dropListener = dropListener;
        return c;
    }
}
