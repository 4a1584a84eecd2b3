package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import jcuda.Pointer;
import jcuda.driver.JCudaDriver;

import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import static io.kvgrid.gpu.CudaDeviceMemory.check;

/**
 * Page-locked host buffers handed out by {@link CudaDeviceMemory#allocatePinned(int)}, and the lookup that tells a
 * transfer its host buffer is one of them: then the device copies straight from or into it, with no staging copy, as
 * raw {@code cuMemcpy} from pinned memory does (Mooncake's registered buffers, UCM's pinned host buffers).
 * Process-wide: with unified addressing (every 64-bit CUDA platform) such memory is pinned for every context.
 */
final class PinnedHost {
    private record Range(long address, long bytes, Pointer pointer, Object owner) {
    }

    private static final ConcurrentSkipListMap<Long, Range> RANGES = new ConcurrentSkipListMap<>();
    private static volatile Field address;

    private PinnedHost() {
    }

    /** A direct buffer of {@code bytes} pinned host bytes, freed with {@code owner}; needs a current device context. */
    static ByteBuffer allocate(int bytes, Object owner) {
        if (bytes < 1)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "bytes", "must be positive, was " + bytes);
        Pointer p = new Pointer();
        check(JCudaDriver.cuMemAllocHost(p, bytes), ErrorCode.NO_SPACE, "cuMemAllocHost");
        ByteBuffer b = p.getByteBuffer(0, bytes);
        long at = addressOf(b);
        if (at < 0) {
            JCudaDriver.cuMemFreeHost(p);
            throw new KvGridException(ErrorCode.INTERNAL, null, "cannot read a direct buffer's address (the JVM needs "
                + "--add-opens=java.base/java.nio=ALL-UNNAMED, as kvgrid.jvm.flags gives)");
        }
        RANGES.put(at, new Range(at, bytes, p, owner));
        return b;
    }

    /** Frees a buffer from {@link #allocate}; INVALID_ARGUMENT for any other. The buffer must not be used again. */
    static void free(ByteBuffer b) {
        long at = b == null ? -1 : addressOf(b);
        Range r = at < 0 ? null : RANGES.remove(at);     // one remove: two frees of one buffer free it once
        if (r == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "buffer", "is not a pinned buffer of kvgrid's");
        check(JCudaDriver.cuMemFreeHost(r.pointer()), ErrorCode.INTERNAL, "cuMemFreeHost");
    }

    /** Frees every buffer {@code owner} still holds (its device memory closing). */
    static void freeAll(Object owner) {
        for (Range r : RANGES.values())
            if (r.owner() == owner && RANGES.remove(r.address(), r))
                JCudaDriver.cuMemFreeHost(r.pointer());
    }

    /**
     * A pointer to {@code length} bytes from the position of {@code b} when they all lie in one pinned buffer of
     * {@link #allocate}; null otherwise (heap buffers, other direct ones, a JVM that hides buffer addresses).
     */
    static Pointer at(ByteBuffer b, long length) {
        if (!b.isDirect() || RANGES.isEmpty())
            return null;
        long base = addressOf(b);
        if (base < 0)
            return null;
        long from = base + b.position();
        Map.Entry<Long, Range> e = RANGES.floorEntry(from);
        if (e == null)
            return null;
        Range r = e.getValue();
        return from + length <= r.address() + r.bytes() ? r.pointer().withByteOffset(from - r.address()) : null;
    }

    /** The address of a direct buffer's first byte, or -1 where the JVM does not let it be read. */
    private static long addressOf(ByteBuffer b) {
        try {
            Field f = address;
            if (f == null) {
                f = Buffer.class.getDeclaredField("address");
                f.setAccessible(true);
                address = f;
            }
            return f.getLong(b);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }
}
