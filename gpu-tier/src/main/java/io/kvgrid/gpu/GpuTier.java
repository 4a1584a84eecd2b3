package io.kvgrid.gpu;

import io.kvgrid.DeviceBuffer;
import io.kvgrid.DeviceTier;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.Tier;
import io.kvgrid.TierStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Hot blocks in GPU memory: a {@link TierStore} ({@link Tier#GPU}) holding each block in its own device allocation,
 * bounded by {@code capacityBytes} and dropping least recently used blocks to make room, except those the
 * {@link EvictionGuard} protects. Puts check the caller's CRC32C against the payload; reads check it against the
 * bytes copied back from the device and drop a copy that does not match.
 *
 * <p>All operations are serialised on the tier (copies included). Closing the tier frees its device memory; a
 * {@link DeviceMemory} passed to {@link #open} stays open, one opened by {@link #openCuda} is closed with the tier.
 *
 * <pre>{@code
 * try (GpuTier gpu = GpuTier.openCuda(0, 8L << 30, key -> !leases.isLeased(key))) {
 *     CRC32C crc = new CRC32C();
 *     crc.update(block.duplicate());
 *     gpu.put("model-a/blk-7", block, (int) crc.getValue());
 *     ByteBuffer into = ByteBuffer.allocateDirect(block.remaining());
 *     int n = gpu.read("model-a/blk-7", into);   // -1 when not on the GPU
 * }
 * }</pre>
 */
public final class GpuTier implements TierStore, DeviceTier {
    private record Block(long handle, int length, int checksum) {
    }

    private final DeviceMemory memory;
    private final boolean ownsMemory;
    private final long capacityBytes;
    private final EvictionGuard guard;
    /** Insertion order = recency: a read moves its block to the end, eviction takes from the front. */
    private final LinkedHashMap<String, Block> blocks = new LinkedHashMap<>();
    private long usedBytes;
    private long evictions;
    private long hits;
    private long misses;
    private volatile boolean closed;

    private GpuTier(DeviceMemory memory, boolean ownsMemory, long capacityBytes, EvictionGuard guard) {
        this.memory = memory;
        this.ownsMemory = ownsMemory;
        this.capacityBytes = capacityBytes;
        this.guard = guard;
    }

    /**
     * A tier of at most {@code capacityBytes} in {@code memory} (which the caller keeps and closes).
     * INVALID_CONFIG for a null memory or guard or a capacity outside 1..{@code memory.totalBytes()}.
     */
    public static GpuTier open(DeviceMemory memory, long capacityBytes, EvictionGuard guard) {
        validate(memory, capacityBytes, guard);
        return new GpuTier(memory, false, capacityBytes, guard);
    }

    /** A tier in {@code memory}, which is closed with the tier. */
    static GpuTier openOwning(DeviceMemory memory, long capacityBytes, EvictionGuard guard) {
        validate(memory, capacityBytes, guard);
        return new GpuTier(memory, true, capacityBytes, guard);
    }

    /** A tier on CUDA device {@code device}; the device memory is closed with the tier. */
    public static GpuTier openCuda(int device, long capacityBytes, EvictionGuard guard) {
        if (guard == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "guard", "must not be null (use EvictionGuard.ALWAYS)");
        CudaDeviceMemory m = CudaDeviceMemory.open(device);
        try {
            validate(m, capacityBytes, guard);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return new GpuTier(m, true, capacityBytes, guard);
    }

    private static void validate(DeviceMemory memory, long capacityBytes, EvictionGuard guard) {
        if (memory == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "memory", "must not be null");
        if (guard == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "guard", "must not be null (use EvictionGuard.ALWAYS)");
        long total = memory.totalBytes();
        if (capacityBytes < 1 || capacityBytes > total)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "capacityBytes",
                "must be 1.." + total + " (the device's memory), was " + capacityBytes);
    }

    private static String checkKey(String key) {
        if (key == null || key.isEmpty())
            throw new KvGridException(ErrorCode.INVALID_KEY, "key", "must not be null or empty");
        if (key.indexOf('\0') >= 0)
            throw new KvGridException(ErrorCode.INVALID_KEY, "key", "must not contain NUL");
        if (key.length() > 1024 / 3 && key.getBytes(StandardCharsets.UTF_8).length > 1024)
            throw new KvGridException(ErrorCode.INVALID_KEY, "key", "longer than 1024 UTF-8 bytes");
        return key;
    }

    private void checkOpen() {
        if (closed)
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "the GPU tier is closed");
    }

    @Override
    public Tier tier() {
        return Tier.GPU;
    }

    /**
     * Copies the remaining bytes of {@code payload} to the device, replacing any copy of {@code key}. Makes room by
     * dropping least recently used blocks the guard allows; when that cannot make enough room it drops nothing and
     * returns false. The new copy is allocated and written before anything is dropped: when the device itself is out
     * of memory (other users share it) the victims are freed and the allocation tried once more, and if it still
     * fails the put returns false with the old copy of {@code key} in place. CHECKSUM_MISMATCH ("checksum") when
     * {@code checksum} is not the CRC32C of the payload, taken while the payload is copied (one pass over it); the
     * new copy is freed and nothing is stored or dropped then (where the device is out of memory it is checked before
     * victims leave). A payload that cannot fit even after eviction returns false before its checksum is looked at.
     */
    @Override
    public synchronized boolean put(String key, ByteBuffer payload, int checksum) {
        checkKey(key);
        if (payload == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "payload", "must not be null");
        checkOpen();
        int length = payload.remaining();
        if (length == 0 && checksum != 0)
            throw mismatch(checksum, length);
        Block old = blocks.get(key);
        List<String> victims = victims(key, length - (capacityBytes - usedBytes + (old == null ? 0 : old.length())));
        if (victims == null)
            return false;
        long handle = 0;
        if (length > 0) {
            Long h = allocate(length);
            if (h == null && !victims.isEmpty()) {
                if (Crc32c.of(payload) != checksum)
                    throw mismatch(checksum, length);   // before anything is dropped: a pass more, on a rare path
                dropAll(victims);
                victims = List.of();
                h = allocate(length);
            }
            if (h == null)
                return false;
            handle = h;
            int copied;
            try {
                copied = memory.copyToDeviceChecked(payload, handle);    // the sum taken on the way, one pass
            } catch (RuntimeException e) {
                memory.free(handle);
                throw e;
            }
            if (copied != checksum) {
                memory.free(handle);
                throw mismatch(checksum, length);
            }
        }
        dropAll(victims);
        if (old != null)
            drop(key);
        blocks.put(key, new Block(handle, length, checksum));
        usedBytes += length;
        return true;
    }

    private static KvGridException mismatch(int checksum, int length) {
        return new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "checksum",
            "0x" + Integer.toHexString(checksum) + " is not the CRC32C of the " + length + " payload bytes");
    }

    /** The handle of a new device allocation, or null when the device has no room. */
    private Long allocate(int length) {
        try {
            return memory.allocate(length);
        } catch (KvGridException e) {
            if (e.code() == ErrorCode.NO_SPACE)
                return null;
            throw e;
        }
    }

    private void dropAll(List<String> victims) {
        for (String v : victims) {
            drop(v);
            evictions++;
        }
    }

    /** Least recently used blocks, other than {@code key}, that free {@code needed} bytes; null when impossible. */
    private List<String> victims(String key, long needed) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Block> e : blocks.entrySet()) {
            if (needed <= 0)
                break;
            if (e.getKey().equals(key) || !guard.mayDrop(e.getKey()))
                continue;
            out.add(e.getKey());
            needed -= e.getValue().length();
        }
        return needed <= 0 ? out : null;
    }

    private void drop(String key) {
        Block b = blocks.remove(key);
        if (b == null)
            return;
        usedBytes -= b.length();
        if (b.length() > 0)
            memory.free(b.handle());
    }

    @Override
    public synchronized int read(String key, ByteBuffer into) {
        checkKey(key);
        if (into == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "into", "must not be null");
        checkOpen();
        Block b = blocks.get(key);
        if (b == null) {
            misses++;
            return -1;
        }
        if (into.isReadOnly())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "into", "is read-only");
        if (into.remaining() < b.length())
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "into",
                into.remaining() + " bytes left, block " + key + " has " + b.length());
        int copied = b.length() > 0 ? memory.copyToHostChecked(b.handle(), into, b.length()) : 0;
        if (copied != b.checksum()) {
            drop(key);
            throw new KvGridException(ErrorCode.CHECKSUM_MISMATCH, "key",
                "GPU copy of " + key + " does not match its CRC32C; the copy was dropped");
        }
        into.position(into.position() + b.length());
        hits++;
        blocks.remove(key);           // most recently used goes last
        blocks.put(key, b);
        return b.length();
    }

    @Override
    public synchronized long size(String key) {
        checkKey(key);
        Block b = blocks.get(key);
        return b == null ? -1 : b.length();
    }

    /** The CRC32C the block was stored with, or -1 when absent: no copy back from the device. */
    @Override
    public synchronized long checksum(String key) {
        checkKey(key);
        Block b = blocks.get(key);
        return b == null ? -1 : b.checksum() & 0xffffffffL;
    }

    @Override
    public synchronized boolean remove(String key) {
        checkKey(key);
        checkOpen();
        if (!blocks.containsKey(key))
            return false;
        drop(key);
        return true;
    }

    /** Keys from least to most recently used, as of the call. */
    @Override
    public void forEachKey(Consumer<String> action) {
        List<String> keys;
        synchronized (this) {
            keys = new ArrayList<>(blocks.keySet());
        }
        keys.forEach(action);
    }

    @Override
    public synchronized long usedBytes() {
        return usedBytes;
    }

    @Override
    public long capacityBytes() {
        return capacityBytes;
    }

    /** The memory this tier allocates from: allocate buffers for {@code load}/{@code dump} into device memory here. */
    public DeviceMemory deviceMemory() {
        return memory;
    }

    @Override
    public String device() {
        return memory.deviceName();
    }

    private void sameDevice(DeviceBuffer b, String arg) {
        if (b == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, arg, "must not be null");
        if (!b.device().equals(device()))
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, arg, "is on " + b.device() + ", this tier on "
                + device());
    }

    /** Device to device, without a trip through the host; counts as a read (hit, most recently used). */
    @Override
    public synchronized boolean copyBlock(String key, int crc, long offset, DeviceBuffer dst) {
        checkKey(key);
        sameDevice(dst, "dst");
        checkOpen();
        Block b = blocks.get(key);
        if (b == null || b.checksum() != crc) {
            misses++;
            return false;
        }
        if (offset < 0 || offset + dst.length() > b.length())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "offset", offset + "+" + dst.length()
                + " bytes are outside block " + key + " of " + b.length());
        if (dst.length() > 0)
            memory.copyToAddress(b.handle(), offset, dst.pointer(), dst.length());
        hits++;
        blocks.remove(key);
        blocks.put(key, b);
        return true;
    }

    @Override
    public void copyIn(ByteBuffer src, DeviceBuffer dst) {
        sameDevice(dst, "dst");
        if (src.remaining() > dst.length())
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "dst", src.remaining() + " bytes do not fit "
                + dst.length());
        checkOpen();
        memory.copyIn(src, dst.pointer());
    }

    @Override
    public void copyOut(DeviceBuffer src, ByteBuffer dst) {
        sameDevice(src, "src");
        checkOpen();
        memory.copyOut(src.pointer(), dst, src.length());
    }

    /** Reads that found their block on the GPU (and returned it checked) since the tier opened. */
    public synchronized long hits() {
        return hits;
    }

    /** Reads of a block the GPU did not hold. */
    public synchronized long misses() {
        return misses;
    }

    /** Blocks held now. */
    public synchronized int blocks() {
        return blocks.size();
    }

    /** Blocks dropped to make room since the tier opened. */
    public synchronized long evictions() {
        return evictions;
    }

    /** Frees every block's device memory (and closes the device memory if the tier opened it). */
    @Override
    public synchronized void close() {
        if (closed)
            return;
        closed = true;
        try {
            for (Block b : blocks.values())
                if (b.length() > 0)
                    memory.free(b.handle());
        } finally {
            blocks.clear();
            usedBytes = 0;
            if (ownsMemory)
                memory.close();
        }
    }
}
