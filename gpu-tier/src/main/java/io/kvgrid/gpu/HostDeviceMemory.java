package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for a GPU in host memory, behind the same {@link DeviceMemory} interface: each allocation is a direct
 * buffer, bounded by {@code totalBytes}. For tests and for machines without a GPU ({@code gpuDevice = host}): the
 * tier above the grid then behaves as on a device, with host-memory copies.
 *
 * <pre>{@code
 * try (DeviceMemory mem = new HostDeviceMemory(1L << 30);
 *      GpuTier tier = GpuTier.open(mem, 1L << 30, EvictionGuard.ALWAYS)) { ... }
 * }</pre>
 */
public final class HostDeviceMemory implements DeviceMemory {
    private final long totalBytes;
    private final Map<Long, ByteBuffer> allocations = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final AtomicLong allocated = new AtomicLong();

    /** Stand-in memory of {@code totalBytes} (positive). */
    public HostDeviceMemory(long totalBytes) {
        if (totalBytes < 1)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "totalBytes", "must be positive, was " + totalBytes);
        this.totalBytes = totalBytes;
    }

    private ByteBuffer allocation(long handle) {
        ByteBuffer b = allocations.get(handle);
        if (b == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "handle", "no allocation " + handle);
        return b.duplicate().clear();
    }

    @Override
    public long allocate(long bytes) {
        if (bytes < 1 || bytes > Integer.MAX_VALUE)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "bytes", "must be 1..2^31-1, was " + bytes);
        if (allocated.addAndGet(bytes) > totalBytes) {
            allocated.addAndGet(-bytes);
            throw new KvGridException(ErrorCode.NO_SPACE, "bytes", "host stand-in has no room for " + bytes + " bytes");
        }
        long h = nextHandle.getAndIncrement(); // below 2^31: addresses keep it in their upper half
        allocations.put(h, ByteBuffer.allocateDirect((int) bytes));
        return h;
    }

    @Override
    public void free(long handle) {
        ByteBuffer b = allocations.remove(handle);
        if (b == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "handle", "no allocation " + handle);
        allocated.addAndGet(-b.capacity());
    }

    @Override
    public void copyToDevice(ByteBuffer src, long handle) {
        ByteBuffer dst = allocation(handle);
        if (src.remaining() > dst.remaining())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "src", src.remaining()
                + " bytes do not fit allocation of " + dst.remaining());
        dst.put(src.duplicate());
    }

    @Override
    public void copyToHost(long handle, ByteBuffer dst, long length) {
        ByteBuffer src = allocation(handle);
        if (length < 0 || length > src.remaining())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "must be 0.." + src.remaining()
                + ", was " + length);
        if (dst.isReadOnly())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "dst", "is read-only");
        if (dst.remaining() < length)
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "dst", dst.remaining() + " bytes left, "
                + length + " needed");
        src.limit((int) length);
        dst.duplicate().put(src);
    }

    @Override
    public void copyOnDevice(long src, long dst, long length) {
        ByteBuffer from = allocation(src);
        ByteBuffer to = allocation(dst);
        if (length < 0 || length > from.remaining() || length > to.remaining())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "must fit both allocations, was " + length);
        from.limit((int) length);
        to.put(from);
    }

    @Override
    public String deviceName() {
        return "host";
    }

    /** Addresses here are the allocation's handle in the upper 32 bits and the offset in it in the lower ones. */
    @Override
    public long address(long handle) {
        allocation(handle);
        return handle << 32;
    }

    /** The {@code length} bytes at {@code address}, as a buffer positioned on them. */
    private ByteBuffer at(long address, long length, String arg) {
        ByteBuffer b = allocations.get(address >>> 32);
        long off = address & 0xffffffffL;
        if (b == null || length < 0 || off + length > b.capacity())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, arg, length + " bytes at 0x"
                + Long.toHexString(address) + " are not inside an allocation of this host stand-in");
        ByteBuffer d = b.duplicate();
        d.limit((int) (off + length)).position((int) off);
        return d;
    }

    @Override
    public void copyToAddress(long handle, long offset, long dstAddress, long length) {
        ByteBuffer from = at(address(handle) + offset, length, "offset");
        at(dstAddress, length, "dstAddress").put(from);
    }

    @Override
    public void copyIn(ByteBuffer src, long dstAddress) {
        at(dstAddress, src.remaining(), "dstAddress").put(src.duplicate());
    }

    @Override
    public void copyOut(long srcAddress, ByteBuffer dst, long length) {
        if (dst.isReadOnly())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "dst", "is read-only");
        if (dst.remaining() < length)
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "dst", dst.remaining() + " bytes left, "
                + length + " needed");
        dst.duplicate().put(at(srcAddress, length, "srcAddress"));
    }

    @Override
    public long totalBytes() {
        return totalBytes;
    }

    @Override
    public long freeBytes() {
        return totalBytes - allocated.get();
    }

    @Override
    public void close() {
        allocations.clear();
        allocated.set(0);
    }
}
