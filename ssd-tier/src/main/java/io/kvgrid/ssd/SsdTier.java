package io.kvgrid.ssd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.TierStore;
import io.kvgrid.grid.Args;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32C;


/**
 * The SSD tier: a node-local, capacity-bounded block store on local disk. Payloads live in one preallocated data
 * file ({@code blocks.dat}, one 4 KiB-aligned extent per block); a persisted Chronicle Map ({@code index.cmap}) maps
 * each key to {offset, length, CRC32C, access sequence}. When full, {@code put} drops least recently used blocks
 * that the {@link DropGuard} allows and tells the {@link DropListener}. Every read verifies the CRC32C; a damaged
 * copy is dropped and reported as {@link ErrorCode#CHECKSUM_MISMATCH}, never returned. A payload is written (and,
 * with {@link SsdTierConfig#setSyncWrites(boolean)}, forced) before its index entry is published, so after a crash
 * every index entry points at complete bytes. Reopening the directory recovers the index (Chronicle Map recovery
 * after an unclean stop) and rebuilds free space from it; {@link #forEachKey(Consumer)} lists what survived.
 * Thread-safe: transfers run outside the tier's lock.
 *
 * <pre>{@code
 * SsdTierConfig cfg = new SsdTierConfig()
 *         .setDirectory(Path.of("/mnt/nvme0/kvgrid"))
 *         .setCapacityBytes(64L << 30)
 *         .setDropGuard(key -> !leases.isLeased(key))
 *         .setDropListener((key, why) -> meta.clearTier(key, Tier.SSD));
 * try (SsdTier ssd = SsdTier.open(cfg)) {
 *     ByteBuffer block = ...;                           // 1 MiB of KV cache
 *     CRC32C crc = new CRC32C();
 *     crc.update(block.duplicate());
 *     if (!ssd.put("blk-1", block, (int) crc.getValue()))
 *         dropInstead("blk-1");                         // nothing could be dropped to make room
 *     ByteBuffer back = ByteBuffer.allocateDirect(1 << 20);
 *     int n = ssd.read("blk-1", back);                  // -1 when absent
 *     ssd.forEachKey(key -> meta.addTier(key, Tier.SSD)); // after a restart: re-announce survivors
 * }
 * }</pre>
 */
public final class SsdTier implements TierStore {
    static final String INDEX_FILE = "index.cmap";
    static final String DATA_FILE = "blocks.dat";
    static final String LOCK_FILE = "tier.lock";
    static final String CLEAN_MARKER = "clean-shutdown";
    private static final Logger LOG = LoggerFactory.getLogger(SsdTier.class);

    /** One stored copy. Mutable fields are guarded by {@link #mu}. */
    private static final class Slot {
        final String key;
        final long off;
        final int len;
        final long ext;
        final int crc;
        long seq;
        int readers;
        boolean dead;

        Slot(String key, long off, int len, int crc) {
            this.key = key;
            this.off = off;
            this.len = len;
            this.ext = BlockFile.align(len);
            this.crc = crc;
        }

        byte[] entry() {
            return new IndexEntry(off, len, crc, seq).encode();
        }
    }

    private final SsdTierConfig cfg;
    private final Path dir;
    private final long maxBlocks;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    private final ChronicleMap<String, byte[]> index;
    private final BlockFile data;
    private final boolean recovered;
    private final Object mu = new Object();
    /** Closing waits for operations in flight (they hold the read side). */
    private final java.util.concurrent.locks.ReentrantReadWriteLock life =
        new java.util.concurrent.locks.ReentrantReadWriteLock();
    private final ExtentAllocator alloc;
    private final HashMap<String, Slot> slots = new HashMap<>();
    /** The same slots, least recently used first. */
    private final LinkedHashMap<String, Slot> lru = new LinkedHashMap<>(16, 0.75f, true);
    private long seq;
    private int inFlight;
    private boolean closed;

    private SsdTier(SsdTierConfig cfg, FileChannel lockChannel, FileLock fileLock, ChronicleMap<String, byte[]> index,
                    BlockFile data, long limit, boolean recovered) {
        this.cfg = cfg;
        this.dir = cfg.getDirectory();
        this.maxBlocks = cfg.effectiveMaxBlocks();
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
        this.index = index;
        this.data = data;
        this.alloc = new ExtentAllocator(limit);
        this.recovered = recovered;
    }

    /** Opens (creating or recovering) the tier in {@code directory} with a data file of {@code capacityBytes}. */
    public static SsdTier open(Path directory, long capacityBytes) {
        return open(new SsdTierConfig().setDirectory(directory).setCapacityBytes(capacityBytes));
    }

    /**
     * Opens the tier described by {@code config} (copied): creates the directory and files, or reopens them; after an
     * unclean stop the index is recovered. Index entries that are malformed, outside the data file or overlap a newer
     * entry (and, with verifyOnRecovery, blocks that fail their CRC) are dropped and reported as
     * {@link DropReason#CORRUPT}.
     *
     * @throws KvGridException INVALID_CONFIG for a bad or missing setting or a directory in use by another open tier;
     *                         INTERNAL when the files cannot be created or read
     */
    public static SsdTier open(SsdTierConfig config) {
        if (config == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "config", "must not be null");
        SsdTierConfig cfg = config.copy();
        cfg.validate();
        Path dir = cfg.getDirectory();
        long limit = cfg.getCapacityBytes() & -BlockFile.ALIGN;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "directory", "cannot create " + dir + ": " + e, e);
        }
        FileChannel lc = null;
        ChronicleMap<String, byte[]> idx = null;
        BlockFile bf = null;
        try {
            lc = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fl;
            try {
                fl = lc.tryLock();
            } catch (OverlappingFileLockException e) {
                fl = null;
            }
            if (fl == null)
                throw new KvGridException(ErrorCode.INVALID_CONFIG, "directory", dir + " is in use by another open SsdTier");
            Path idxFile = dir.resolve(INDEX_FILE);
            Path marker = dir.resolve(CLEAN_MARKER);
            boolean unclean = Files.exists(idxFile) && !Files.exists(marker);
            idx = openIndex(idxFile, unclean, cfg.effectiveMaxBlocks());
            // From here until close() the directory counts as dirty: the marker must be gone on disk first.
            Files.deleteIfExists(marker);
            forceDirectory(dir);
            bf = new BlockFile(dir.resolve(DATA_FILE), limit, cfg.isDirectIo(), cfg.isPreallocate());
            SsdTier tier = new SsdTier(cfg, lc, fl, idx, bf, limit, unclean);
            List<String> bad = tier.rebuild();
            for (String key : bad)
                tier.notifyDropped(key, DropReason.CORRUPT);
            return tier;
        } catch (IOException | RuntimeException e) {
            closeQuietly(bf);
            if (idx != null)
                idx.close();
            closeQuietly(lc);
            if (e instanceof KvGridException k)
                throw k;
            throw new KvGridException(ErrorCode.INTERNAL, "directory", "cannot open the SSD tier in " + dir + ": " + e, e);
        }
    }

    private static ChronicleMap<String, byte[]> openIndex(Path file, boolean unclean, long entries) throws IOException {
        ChronicleMapBuilder<String, byte[]> b = ChronicleMap.of(String.class, byte[].class)
            .name("kvgrid-ssd-index")
            .averageKeySize(64)
            .constantValueSizeBySample(new byte[IndexEntry.BYTES])
            .entries(entries)
            .maxBloatFactor(2.0);
        try {
            if (unclean)
                return b.recoverPersistedTo(file.toFile(), true,
                    c -> LOG.warn("SSD index {} segment {}: {}", file, c.segmentIndex(), c.message()));
            return b.createPersistedTo(file.toFile());
        } catch (IOException | RuntimeException e) {
            // An index that neither opens nor recovers is set aside; its blocks are lost, but nothing claims them.
            Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + System.currentTimeMillis());
            LOG.warn("SSD index {} cannot be opened ({}); moved to {}, starting empty", file, e.toString(), aside);
            Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            return b.createPersistedTo(file.toFile());
        }
    }

    /** Loads the index into memory and rebuilds free space; returns the keys whose entries it had to drop. */
    private List<String> rebuild() throws IOException {
        List<String> bad = new ArrayList<>();
        List<Slot> good = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : index.entrySet()) {
            IndexEntry ie = IndexEntry.decode(e.getValue());
            if (ie == null || ie.offset() + ie.extent() > alloc.limit()) {
                bad.add(e.getKey());
                continue;
            }
            Slot s = new Slot(e.getKey(), ie.offset(), ie.length(), ie.crc());
            s.seq = ie.seq();
            good.add(s);
        }
        // Newest first: where two entries claim the same bytes, the newer write is the live one.
        good.sort(Comparator.comparingLong((Slot s) -> s.seq).reversed());
        List<Slot> live = new ArrayList<>(good.size());
        for (Slot s : good) {
            if (alloc.take(s.off, s.ext) && (!recovered || !cfg.isVerifyOnRecovery() || intact(s)))
                live.add(s);
            else
                bad.add(s.key);
        }
        for (String key : bad)
            index.remove(key);
        for (int i = live.size() - 1; i >= 0; i--) {
            Slot s = live.get(i);
            slots.put(s.key, s);
            lru.put(s.key, s);
            seq = Math.max(seq, s.seq);
        }
        if (!bad.isEmpty())
            LOG.warn("SSD tier {}: dropped {} damaged index entries while opening", dir, bad.size());
        return bad;
    }

    private boolean intact(Slot s) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(1, s.len));
        data.read(s.off, s.len, buf);
        buf.limit(s.len);
        boolean ok = crc(buf) == s.crc;
        if (!ok)
            alloc.free(s.off, s.ext);
        return ok;
    }

    @Override
    public Tier tier() {
        return Tier.SSD;
    }

    /**
     * Stores a copy of the remaining bytes of {@code payload} (position unchanged), replacing any copy of the key.
     * Drops least recently used blocks the guard allows when there is no room; the old copy of {@code key} itself is
     * never dropped to make room, it is replaced only once the new copy is written.
     *
     * @return false when the block cannot fit even after dropping every block the guard allows (nothing is dropped
     * then)
     * @throws KvGridException INVALID_KEY; INVALID_ARGUMENT (payload null); CHECKSUM_MISMATCH (argument
     *                         "checksum") when {@code checksum} is not the CRC32C of the payload: nothing is stored
     */
    @Override
    public boolean put(String key, ByteBuffer payload, int checksum) {
        Args.checkKey(key, "key");
        if (payload == null)
            throw Args.invalid("payload", "must not be null");
        int actual = crc(payload);
        if (actual != checksum)
            throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "checksum", "CRC32C of the payload of " + key
                + " is " + Integer.toHexString(actual) + ", not " + Integer.toHexString(checksum) + "; nothing stored");
        int len = payload.remaining();
        List<String> dropped = new ArrayList<>(0);
        life.readLock().lock();
        try {
            ensureOpen();
            Slot slot;
            synchronized (mu) {
                long off = reserve(key, BlockFile.align(len), dropped);
                if (off < 0)
                    return false;
                slot = new Slot(key, off, len, actual);
                inFlight++;
            }
            for (String k : dropped)
                notifyDropped(k, DropReason.CAPACITY);
            boolean published = false;
            try {
                data.write(payload, slot.off);
                if (cfg.isSyncWrites())
                    data.force();
                synchronized (mu) {
                    slot.seq = ++seq;
                    // The payload is complete (and forced if configured) before the index may point at it.
                    index.put(key, slot.entry());
                    published = true;
                    Slot old = slots.put(key, slot);
                    if (old != null) {
                        lru.remove(key);
                        kill(old);
                    }
                    lru.put(key, slot);
                }
                return true;
            } catch (IOException e) {
                throw new KvGridException(ErrorCode.INTERNAL, "payload", "writing " + key + " to " + dir + " failed: " + e, e);
            } catch (RuntimeException e) {
                throw e instanceof KvGridException k ? k
                    : new KvGridException(ErrorCode.INTERNAL, "key", "indexing " + key + " in " + dir + " failed: " + e, e);
            } finally {
                synchronized (mu) {
                    inFlight--;
                    if (!published)
                        alloc.free(slot.off, slot.ext);
                }
            }
        } finally {
            life.readLock().unlock();
        }
    }

    /**
     * Takes an extent of {@code ext} bytes, first dropping (in LRU order) blocks the guard allows when needed. Plans
     * on a copy of the allocator so that it drops nothing unless the drops make the block fit.
     *
     * @return the offset, or -1 when the block cannot fit
     */
    private long reserve(String key, long ext, List<String> dropped) {
        if (ext > alloc.limit())
            return -1;
        Slot current = slots.get(key);
        long count = slots.size() - (current != null ? 1 : 0) + inFlight + 1L;
        if (count <= maxBlocks) {
            long off = alloc.allocate(ext);
            if (off >= 0)
                return off;
        }
        ExtentAllocator plan = alloc.copy();
        List<Slot> victims = new ArrayList<>();
        for (Slot s : lru.values()) {
            if (count <= maxBlocks && plan.largestFree() >= ext)
                break;
            if (s == current || s.readers > 0 || !cfg.getDropGuard().mayDrop(s.key))
                continue;
            victims.add(s);
            plan.free(s.off, s.ext);
            count--;
        }
        if (count > maxBlocks || plan.largestFree() < ext)
            return -1;
        for (Slot v : victims) {
            dropLocked(v);
            dropped.add(v.key);
        }
        return alloc.allocate(ext);
    }

    /**
     * Copies the payload into {@code into} at its position and advances it, after verifying its CRC32C. Counts as a
     * use for LRU.
     *
     * @return payload length, or -1 when absent
     * @throws KvGridException BUFFER_TOO_SMALL (nothing written); CHECKSUM_MISMATCH: the stored copy is damaged and
     *                         was dropped, the bytes of {@code into} it would have covered are zeroed and its position
     *                         is unchanged
     */
    @Override
    public int read(String key, ByteBuffer into) {
        Args.checkKey(key, "key");
        if (into == null)
            throw Args.invalid("into", "must not be null");
        if (into.isReadOnly())
            throw Args.invalid("into", "is read-only");
        life.readLock().lock();
        try {
            ensureOpen();
            Slot s;
            synchronized (mu) {
                s = slots.get(key);
                if (s == null)
                    return -1;
                if (into.remaining() < s.len)
                    throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "into", "has " + into.remaining()
                        + " bytes remaining, block " + key + " has " + s.len);
                s.readers++;
                s.seq = ++seq;
                lru.get(key);
                index.put(key, s.entry());
            }
            boolean ok = false;
            boolean damaged = false;
            boolean droppedNow = false;
            try {
                data.read(s.off, s.len, into);
                ByteBuffer region = into.duplicate();
                region.limit(region.position() + s.len);
                ok = crc(region) == s.crc;
                damaged = !ok;
            } catch (IOException e) {
                throw new KvGridException(ErrorCode.INTERNAL, "key", "reading " + key + " from " + dir + " failed: " + e, e);
            } finally {
                synchronized (mu) {
                    if (--s.readers == 0 && s.dead)
                        alloc.free(s.off, s.ext);
                    if (damaged && slots.get(key) == s) {
                        dropLocked(s);
                        droppedNow = true;
                    }
                }
            }
            if (!ok) {
                ByteBuffer region = into.duplicate();
                for (int i = 0; i < s.len; i++)
                    region.put((byte) 0);
                if (droppedNow)
                    notifyDropped(key, DropReason.CORRUPT);
                throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "key", "the SSD copy of " + key
                    + " does not match its CRC32C and was dropped");
            }
            into.position(into.position() + s.len);
            return s.len;
        } finally {
            life.readLock().unlock();
        }
    }

    /** The payload, or {@code null} when absent (retries if the block is replaced by a larger one meanwhile). */
    @Override
    public byte[] get(String key) {
        for (int attempt = 0; ; attempt++) {
            long size = size(key);
            if (size < 0)
                return null;
            ByteBuffer buf = ByteBuffer.allocate((int) size);
            try {
                return read(key, buf) < 0 ? null : buf.array();
            } catch (KvGridException e) {
                if (e.code() != ErrorCode.BUFFER_TOO_SMALL || attempt >= 3)
                    throw e;
            }
        }
    }

    @Override
    public long size(String key) {
        Args.checkKey(key, "key");
        life.readLock().lock();
        try {
            ensureOpen();
            synchronized (mu) {
                Slot s = slots.get(key);
                return s == null ? -1 : s.len;
            }
        } finally {
            life.readLock().unlock();
        }
    }

    @Override
    public boolean remove(String key) {
        Args.checkKey(key, "key");
        life.readLock().lock();
        try {
            ensureOpen();
            synchronized (mu) {
                Slot s = slots.get(key);
                if (s == null)
                    return false;
                dropLocked(s);
                return true;
            }
        } finally {
            life.readLock().unlock();
        }
    }

    /** Calls {@code action} for each stored key, least recently used first (a snapshot taken at the call). */
    @Override
    public void forEachKey(Consumer<String> action) {
        if (action == null)
            throw Args.invalid("action", "must not be null");
        List<String> keys;
        life.readLock().lock();
        try {
            ensureOpen();
            synchronized (mu) {
                keys = new ArrayList<>(lru.keySet());
            }
        } finally {
            life.readLock().unlock();
        }
        keys.forEach(action);
    }

    /** Bytes of the data file taken by blocks (each rounded up to 4 KiB), including writes in progress. */
    @Override
    public long usedBytes() {
        synchronized (mu) {
            return alloc.usedBytes();
        }
    }

    /** Size of the data file: the configured capacity rounded down to 4 KiB. */
    @Override
    public long capacityBytes() {
        return alloc.limit();
    }

    /** Number of blocks stored. */
    public int blockCount() {
        synchronized (mu) {
            return slots.size();
        }
    }

    /**
     * Forces the data file and closes the index; writes the clean-shutdown marker so the next open skips recovery.
     * Waits for operations in flight. Idempotent.
     */
    @Override
    public void close() {
        life.writeLock().lock();
        try {
            if (closed)
                return;
            closed = true;
            Exception failure = null;
            try {
                data.force();
            } catch (IOException e) {
                failure = e;
            }
            closeQuietly(data);
            index.close();
            if (failure == null) {
                try {
                    Path marker = dir.resolve(CLEAN_MARKER);
                    try (FileChannel m = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                        m.force(true);
                    }
                    forceDirectory(dir);
                } catch (IOException e) {
                    failure = e;
                }
            }
            try {
                fileLock.release();
            } catch (IOException ignored) {
                // closing the channel releases it too
            }
            closeQuietly(lockChannel);
            if (failure != null)
                throw new KvGridException(ErrorCode.INTERNAL, "directory", "closing the SSD tier in " + dir
                    + " failed (the next open recovers): " + failure, failure);
        } finally {
            life.writeLock().unlock();
        }
    }

    /** Forces the data file (bench and tests: make spilled bytes durable before measuring). */
    void force() {
        try {
            data.force();
        } catch (IOException e) {
            throw new KvGridException(ErrorCode.INTERNAL, "directory", "forcing " + dir + " failed: " + e, e);
        }
    }

    /** Whether the data file is open with O_DIRECT. */
    boolean directIo() {
        return data.direct();
    }

    /** Whether this open followed an unclean stop (the index was recovered). */
    boolean recoveredOnOpen() {
        return recovered;
    }

    /** Offset of the block's extent in the data file, or -1 (tests corrupt blocks through it). */
    long offsetOf(String key) {
        synchronized (mu) {
            Slot s = slots.get(key);
            return s == null ? -1 : s.off;
        }
    }

    private void dropLocked(Slot s) {
        slots.remove(s.key);
        lru.remove(s.key);
        index.remove(s.key);
        kill(s);
    }

    /** The copy is gone from the maps; its bytes are freed once no read uses them. */
    private void kill(Slot s) {
        s.dead = true;
        if (s.readers == 0)
            alloc.free(s.off, s.ext);
    }

    private void notifyDropped(String key, DropReason reason) {
        try {
            cfg.getDropListener().dropped(key, reason);
        } catch (RuntimeException e) {
            LOG.warn("SSD tier: drop listener failed for block {} ({})", key, reason, e);
        }
    }

    private void ensureOpen() {
        if (closed)
            throw new KvGridException(ErrorCode.INTERNAL, "the SSD tier in " + dir + " is closed");
    }

    private static int crc(ByteBuffer buf) {
        CRC32C c = new CRC32C();
        c.update(buf.duplicate());
        return (int) c.getValue();
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // not every platform can fsync a directory; Linux can
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null)
            return;
        try {
            c.close();
        } catch (Exception ignored) {
            // already failing or closing
        }
    }
}
