package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * {@link DeviceMemory} of one CUDA device through JCuda's driver API ({@code cuMemAlloc}, {@code cuMemcpyHtoD},
 * {@code cuMemcpyDtoH}, {@code cuMemcpyDtoD}) in the device's primary context, so it shares the device with other
 * CUDA users of the process (an inference engine's own context, say). Host bytes go through page-locked (pinned)
 * staging slots as a pipeline ({@link CudaStaging}, {@link StagedCopies}): the object's own CUDA stream copies one
 * chunk while worker threads copy (and checksum) the next ones between the caller's buffer and their slots; one
 * transfer at a time. Addresses are the device's own, so {@link io.kvgrid.DeviceBuffer}s may point
 * into memory the engine allocated.
 *
 * <p>Without a CUDA driver, JCuda fails with {@code UnsatisfiedLinkError} at the first touch of {@code JCudaDriver}
 * and with {@code NoClassDefFoundError} at every later one; {@link #available()} turns that into {@code false} and
 * {@link #open(int)} into {@link ErrorCode#NODE_UNAVAILABLE}.
 *
 * <pre>{@code
 * if (CudaDeviceMemory.available()) {
 *     try (CudaDeviceMemory gpu = CudaDeviceMemory.open(0);
 *          GpuTier tier = GpuTier.open(gpu, 4L << 30, EvictionGuard.ALWAYS)) {
 *         tier.put("blk-0", payload, checksum);
 *     }
 * }
 * }</pre>
 */
public final class CudaDeviceMemory implements DeviceMemory {
    private static volatile Boolean available;

    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final Map<Long, Allocation> allocations = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private volatile boolean closed;

    private record Allocation(CUdeviceptr ptr, long bytes) {
    }

    /** Bytes of pinned staging memory: transfers larger than this go round its slots more than once. */
    static final int STAGING_BYTES = CudaStaging.STAGING_BYTES;
    /** Guards the staging memory (made at the first transfer, freed on close): one transfer at a time. */
    private final Object transfer = new Object();
    private CudaStaging staging;

    private CudaDeviceMemory(int ordinal, CUdevice device, CUcontext context) {
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
    }

    /** Whether a CUDA driver and at least one device are present. Never throws; the answer is cached. */
    public static boolean available() {
        Boolean a = available;
        if (a == null) {
            boolean ok;
            try {
                ok = deviceCount() > 0;
            } catch (KvGridException e) {
                ok = false;
            }
            available = a = ok;
        }
        return a;
    }

    /** Number of CUDA devices; NODE_UNAVAILABLE when there is no driver. */
    public static int deviceCount() {
        try {
            check(JCudaDriver.cuInit(0), ErrorCode.NODE_UNAVAILABLE, "cuInit");
            int[] n = new int[1];
            check(JCudaDriver.cuDeviceGetCount(n), ErrorCode.NODE_UNAVAILABLE, "cuDeviceGetCount");
            return n[0];
        } catch (KvGridException e) {
            throw e;
        } catch (LinkageError | RuntimeException e) {   // UnsatisfiedLinkError first, NoClassDefFoundError after
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "no CUDA driver: " + e, e);
        }
    }

    /**
     * Opens device {@code ordinal} (0-based). NODE_UNAVAILABLE without a driver, INVALID_CONFIG ("device") for an
     * ordinal that is not a device of this host.
     */
    public static CudaDeviceMemory open(int ordinal) {
        if (ordinal < 0)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "device", "must not be negative, was " + ordinal);
        int count = deviceCount();
        if (ordinal >= count)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "device",
                "no CUDA device " + ordinal + " (this host has " + count + ")");
        CUdevice dev = new CUdevice();
        check(JCudaDriver.cuDeviceGet(dev, ordinal), ErrorCode.NODE_UNAVAILABLE, "cuDeviceGet");
        CUcontext ctx = new CUcontext();
        check(JCudaDriver.cuDevicePrimaryCtxRetain(ctx, dev), ErrorCode.NODE_UNAVAILABLE, "cuDevicePrimaryCtxRetain");
        return new CudaDeviceMemory(ordinal, dev, ctx);
    }

    /** The device ordinal. */
    public int ordinal() {
        return ordinal;
    }

    static void check(int result, ErrorCode code, String call) {
        if (result != CUresult.CUDA_SUCCESS)
            throw new KvGridException(code, null, call + " failed: " + CUresult.stringFor(result));
    }

    /** Makes the primary context current on the calling thread (CUDA contexts are per thread). */
    private void enter() {
        if (closed)
            throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "CUDA device " + ordinal + " is closed");
        check(JCudaDriver.cuCtxSetCurrent(context), ErrorCode.INTERNAL, "cuCtxSetCurrent");
    }

    private Allocation allocation(long handle) {
        Allocation a = allocations.get(handle);
        if (a == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "handle", "no allocation " + handle);
        return a;
    }

    /** The staging memory, stream and workers, made at the first transfer; call holding {@link #transfer}. */
    private CudaStaging staging() {
        if (staging == null)
            staging = new CudaStaging(ordinal);
        return staging;
    }

    /** A device pointer to a raw device address. */
    static CUdeviceptr at(long address) {
        return new CUdeviceptr().withByteOffset(address);
    }

    private static volatile java.lang.reflect.Method nativePointer;

    /** The device address an allocation's pointer holds (JCuda keeps it in a protected field). */
    private static long addressOf(CUdeviceptr p) {
        try {
            java.lang.reflect.Method m = nativePointer;
            if (m == null) {
                m = jcuda.NativePointerObject.class.getDeclaredMethod("getNativePointer");
                m.setAccessible(true);
                nativePointer = m;
            }
            return (long) m.invoke(p);
        } catch (ReflectiveOperationException e) {
            throw new KvGridException(ErrorCode.INTERNAL, null, "cannot read a JCuda device pointer: " + e, e);
        }
    }

    @Override
    public String deviceName() {
        return "cuda:" + ordinal;
    }

    @Override
    public long address(long handle) {
        return addressOf(allocation(handle).ptr());
    }

    @Override
    public void copyToAddress(long handle, long offset, long dstAddress, long length) {
        Allocation a = allocation(handle);
        if (offset < 0 || length < 0 || offset + length > a.bytes())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "offset", offset + "+" + length
                + " bytes are outside an allocation of " + a.bytes());
        if (length == 0)
            return;
        synchronized (transfer) {
            enter();
            staging().onDevice(at(dstAddress), a.ptr().withByteOffset(offset), length);
        }
    }

    /** Host to device through the pinned staging slots. */
    @Override
    public void copyIn(ByteBuffer src, long dstAddress) {
        staged(c -> c.toDevice(src, dstAddress, false));
    }

    /** Device to host through the pinned staging slots. */
    @Override
    public void copyOut(long srcAddress, ByteBuffer dst, long length) {
        checkInto(dst, length);
        staged(c -> c.toHost(srcAddress, dst, (int) length, false));
    }

    /** As {@link #copyToDevice}, the CRC32C taken chunk by chunk as the bytes are copied. */
    @Override
    public int copyToDeviceChecked(ByteBuffer src, long handle) {
        return toAllocation(src, handle, true);
    }

    /** As {@link #copyToHost}, the CRC32C taken chunk by chunk as the bytes are copied. */
    @Override
    public int copyToHostChecked(long handle, ByteBuffer dst, long length) {
        return fromAllocation(handle, dst, length, true);
    }

    private int toAllocation(ByteBuffer src, long handle, boolean checksum) {
        Allocation a = allocation(handle);
        checkFits(src, a);
        return staged(c -> c.toDevice(src, addressOf(a.ptr()), checksum));
    }

    private int fromAllocation(long handle, ByteBuffer dst, long length, boolean checksum) {
        Allocation a = allocation(handle);
        checkLength(a, length);
        checkInto(dst, length);
        return staged(c -> c.toHost(addressOf(a.ptr()), dst, (int) length, checksum));
    }

    private int staged(ToIntFunction<CudaStaging> copy) {
        synchronized (transfer) {
            enter();
            return copy.applyAsInt(staging());
        }
    }

    /**
     * A direct buffer of {@code bytes} page-locked (pinned) host bytes. Copies between the device and such a buffer
     * (or a part of it) skip the staging copy: the device's copy engine reads or writes it directly, as raw
     * {@code cuMemcpy} from pinned memory does. Free it with {@link #freePinned} ({@link #close()} frees those left);
     * never use it afterwards.
     */
    public ByteBuffer allocatePinned(int bytes) {
        synchronized (transfer) {
            enter();
            return PinnedHost.allocate(bytes, this);
        }
    }

    /** Frees a buffer of {@link #allocatePinned}; INVALID_ARGUMENT ("buffer") for any other. */
    public void freePinned(ByteBuffer buffer) {
        synchronized (transfer) {            // never while a copy is using it
            enter();
            PinnedHost.free(buffer);
        }
    }

    private static void checkInto(ByteBuffer dst, long length) {
        if (dst.isReadOnly())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "dst", "is read-only");
        if (length < 0 || dst.remaining() < length)
            throw new KvGridException(ErrorCode.BUFFER_TOO_SMALL, "dst", dst.remaining() + " bytes left, "
                + length + " needed");
    }

    private static void checkFits(ByteBuffer src, Allocation a) {
        if (src.remaining() > a.bytes())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "src", src.remaining()
                + " bytes do not fit allocation of " + a.bytes());
    }

    private static void checkLength(Allocation a, long length) {
        if (length < 0 || length > a.bytes())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "must be 0.." + a.bytes() + ", was "
                + length);
    }

    @Override
    public long allocate(long bytes) {
        if (bytes < 1)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "bytes", "must be positive, was " + bytes);
        enter();
        CUdeviceptr ptr = new CUdeviceptr();
        int r = JCudaDriver.cuMemAlloc(ptr, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY)
            throw new KvGridException(ErrorCode.NO_SPACE, "bytes", "CUDA device " + ordinal + " has no room for "
                + bytes + " bytes");
        check(r, ErrorCode.INTERNAL, "cuMemAlloc");
        long h = nextHandle.getAndIncrement();
        allocations.put(h, new Allocation(ptr, bytes));
        return h;
    }

    @Override
    public void free(long handle) {
        Allocation a = allocations.remove(handle);
        if (a == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "handle", "no allocation " + handle);
        enter();
        check(JCudaDriver.cuMemFree(a.ptr()), ErrorCode.INTERNAL, "cuMemFree");
    }

    @Override
    public void copyToDevice(ByteBuffer src, long handle) {
        toAllocation(src, handle, false);
    }

    @Override
    public void copyToHost(long handle, ByteBuffer dst, long length) {
        fromAllocation(handle, dst, length, false);
    }

    @Override
    public void copyOnDevice(long src, long dst, long length) {
        Allocation from = allocation(src);
        Allocation to = allocation(dst);
        if (length < 0 || length > from.bytes() || length > to.bytes())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "must fit both allocations ("
                + from.bytes() + ", " + to.bytes() + "), was " + length);
        if (length == 0)
            return;
        enter();
        check(JCudaDriver.cuMemcpyDtoD(to.ptr(), from.ptr(), length), ErrorCode.INTERNAL, "cuMemcpyDtoD");
    }

    private long[] memInfo() {
        enter();
        long[] free = new long[1];
        long[] total = new long[1];
        check(JCudaDriver.cuMemGetInfo(free, total), ErrorCode.INTERNAL, "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    @Override
    public long totalBytes() {
        return memInfo()[1];
    }

    @Override
    public long freeBytes() {
        return memInfo()[0];
    }

    /** Bytes allocated through this object and not yet freed. */
    public long allocatedBytes() {
        return allocations.values().stream().mapToLong(Allocation::bytes).sum();
    }

    @Override
    public synchronized void close() {
        if (closed)
            return;
        try {
            check(JCudaDriver.cuCtxSetCurrent(context), ErrorCode.INTERNAL, "cuCtxSetCurrent");
            synchronized (transfer) {
                closed = true;                   // a transfer waiting for the lock fails in enter(), makes nothing
                if (staging != null)
                    staging.close();
                staging = null;
                PinnedHost.freeAll(this);
            }
            for (Long h : allocations.keySet()) {
                Allocation a = allocations.remove(h);
                if (a != null)
                    JCudaDriver.cuMemFree(a.ptr());
            }
        } finally {
            closed = true;
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    @Override
    public String toString() {
        return "CudaDeviceMemory[device=" + ordinal + ", allocations=" + allocations.size() + "]";
    }
}
