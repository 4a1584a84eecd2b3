package io.kvgrid.ssd;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.TierContext;
import io.kvgrid.TierStore;
import io.kvgrid.TierStoreFactory;

import java.nio.file.Path;

/**
 * Puts an SSD tier behind the grid: each server node opens its own {@link SsdTier} in a subdirectory named after its
 * consistent id, so a node restarted under the same id reopens (and recovers) its blocks. The tier asks kvgrid before
 * dropping a block (leased and hard-pinned blocks stay) and reports every drop, so metadata never claims a block
 * that is gone. A bean: Spring XML can set every property.
 *
 * <pre>{@code
 * KvGridConfiguration cfg = new KvGridConfiguration();
 * cfg.setTiers(List.of(KvGridConfiguration.MEMORY,
 *         new SsdTierFactory().setDirectory("/nvme/kvgrid").setCapacityBytes(256L << 30)));
 * }</pre>
 */
public final class SsdTierFactory implements TierStoreFactory {
    private Path directory;
    private long capacityBytes;
    private long maxBlocks;
    private boolean syncWrites;
    private boolean directIo = true;
    private boolean preallocate = true;

    /** Parent directory; each node uses {@code <directory>/<node consistent id>}. */
    public SsdTierFactory setDirectory(String directory) {
        if (directory == null || directory.isBlank())
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "directory", "must not be empty");
        this.directory = Path.of(directory);
        return this;
    }

    public String getDirectory() {
        return directory == null ? null : directory.toString();
    }

    /** SSD bytes per node. */
    public SsdTierFactory setCapacityBytes(long capacityBytes) {
        if (capacityBytes < SsdTierConfig.MIN_CAPACITY_BYTES)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "capacityBytes",
                "must be at least " + SsdTierConfig.MIN_CAPACITY_BYTES + ", was " + capacityBytes);
        this.capacityBytes = capacityBytes;
        return this;
    }

    public long getCapacityBytes() {
        return capacityBytes;
    }

    /** Most blocks per node's index; 0 sizes it for 64 KiB blocks (set it when blocks are smaller). */
    public SsdTierFactory setMaxBlocks(long maxBlocks) {
        if (maxBlocks < 0)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "maxBlocks", "must not be negative, was " + maxBlocks);
        this.maxBlocks = maxBlocks;
        return this;
    }

    public long getMaxBlocks() {
        return maxBlocks;
    }

    /** Force each spilled payload to the device before its index entry is published (power-loss safety). */
    public SsdTierFactory setSyncWrites(boolean v) {
        this.syncWrites = v;
        return this;
    }

    public boolean isSyncWrites() {
        return syncWrites;
    }

    public SsdTierFactory setDirectIo(boolean v) {
        this.directIo = v;
        return this;
    }

    public boolean isDirectIo() {
        return directIo;
    }

    /** Zero-fill the data file when created (spills into holes of a sparse file measured about 2x slower). */
    public SsdTierFactory setPreallocate(boolean v) {
        this.preallocate = v;
        return this;
    }

    public boolean isPreallocate() {
        return preallocate;
    }

    @Override
    public TierStore open(TierContext ctx) {
        if (directory == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "directory", "the SSD tier needs a directory");
        if (capacityBytes == 0)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "capacityBytes", "the SSD tier needs a capacity");
        return SsdTier.open(new SsdTierConfig()
            .setDirectory(directory.resolve(ctx.nodeId().replaceAll("[^A-Za-z0-9._-]", "_")))
            .setCapacityBytes(capacityBytes)
            .setMaxBlocks(maxBlocks)
            .setSyncWrites(syncWrites)
            .setDirectIo(directIo)
            .setPreallocate(preallocate)
            .setDropGuard(ctx::mayDrop)
            .setDropListener((key, reason) -> ctx.dropped(key)));
    }
}
