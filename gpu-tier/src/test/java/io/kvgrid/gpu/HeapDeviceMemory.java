package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** "Device" memory on the Java heap, so tests can see exactly which bytes sit in which allocation and damage them. */
final class HeapDeviceMemory implements DeviceMemory {
    private final long total;
    private final Map<Long, byte[]> allocations = new LinkedHashMap<>();
    private long nextHandle = 1;
    private boolean refuseNextAllocation;
    boolean closed;

    HeapDeviceMemory(long total) {
        this.total = total;
    }

    private long allocated() {
        return allocations.values().stream().mapToLong(b -> b.length).sum();
    }

    private byte[] bytes(long handle) {
        byte[] b = allocations.get(handle);
        if (b == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "handle", "no allocation " + handle);
        return b;
    }

    @Override
    public synchronized long allocate(long bytes) {
        if (bytes < 1)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "bytes", "must be positive, was " + bytes);
        if (refuseNextAllocation || allocated() + bytes > total) {
            refuseNextAllocation = false;
            throw new KvGridException(ErrorCode.NO_SPACE, "bytes", "device full");
        }
        allocations.put(nextHandle, new byte[(int) bytes]);
        return nextHandle++;
    }

    @Override
    public synchronized void free(long handle) {
        bytes(handle);
        allocations.remove(handle);
    }

    @Override
    public synchronized void copyToDevice(ByteBuffer src, long handle) {
        byte[] dst = bytes(handle);
        if (src.remaining() > dst.length)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "src", "does not fit");
        src.duplicate().get(dst, 0, src.remaining());
    }

    @Override
    public synchronized void copyToHost(long handle, ByteBuffer dst, long length) {
        byte[] src = bytes(handle);
        if (length > src.length)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "longer than the allocation");
        if (dst.remaining() < length)
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "dst", "too small");
        dst.duplicate().put(src, 0, (int) length);
    }

    @Override
    public String deviceName() {
        return "host";
    }

    @Override
    public synchronized long address(long handle) {
        bytes(handle);
        return handle << 32;
    }

    private byte[] at(long address, long length) {
        byte[] b = bytes(address >>> 32);
        if ((address & 0xffffffffL) + length > b.length)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "address", "outside the allocation");
        return b;
    }

    @Override
    public synchronized void copyToAddress(long handle, long offset, long dstAddress, long length) {
        byte[] from = at(address(handle) + offset, length);
        System.arraycopy(from, (int) offset, at(dstAddress, length), (int) (dstAddress & 0xffffffffL), (int) length);
    }

    @Override
    public synchronized void copyIn(ByteBuffer src, long dstAddress) {
        src.duplicate().get(at(dstAddress, src.remaining()), (int) (dstAddress & 0xffffffffL), src.remaining());
    }

    @Override
    public synchronized void copyOut(long srcAddress, ByteBuffer dst, long length) {
        dst.duplicate().put(at(srcAddress, length), (int) (srcAddress & 0xffffffffL), (int) length);
    }

    @Override
    public long totalBytes() {
        return total;
    }

    @Override
    public synchronized long freeBytes() {
        return total - allocated();
    }

    @Override
    public synchronized void close() {
        allocations.clear();
        closed = true;
    }

    // ------------------------------------------------------------ test access

    /** Copies of every live allocation, oldest first. */
    synchronized List<byte[]> contents() {
        List<byte[]> out = new ArrayList<>();
        allocations.values().forEach(b -> out.add(b.clone()));
        return out;
    }

    synchronized int allocationCount() {
        return allocations.size();
    }

    /** Flips one byte of the allocation that holds exactly {@code content}. */
    synchronized void corrupt(byte[] content, int index) {
        for (byte[] b : allocations.values())
            if (Arrays.equals(b, content)) {
                b[index] ^= 0x5A;
                return;
            }
        throw new AssertionError("no allocation holds that content");
    }

    /** The next allocation fails with NO_SPACE, as when another process filled the device. */
    synchronized void refuseNextAllocation() {
        refuseNextAllocation = true;
    }
}
