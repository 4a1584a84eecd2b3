package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.nio.ByteBuffer;

/**
 * Device memory of one accelerator: allocations named by opaque {@code long} handles, and copies between host
 * buffers (heap or direct) and device allocations. {@link CudaDeviceMemory} is the JCuda implementation; tests use
 * an in-memory one. Implementations are thread-safe; callers never use a handle after freeing it.
 *
 * <pre>{@code
 * try (DeviceMemory gpu = CudaDeviceMemory.open(0)) {
 *     long h = gpu.allocate(block.remaining());
 *     gpu.copyToDevice(block, h);                       // block's position is unchanged
 *     ByteBuffer back = ByteBuffer.allocateDirect(block.remaining());
 *     gpu.copyToHost(h, back, back.remaining());        // back's position is unchanged
 *     gpu.free(h);
 * }
 * }</pre>
 */
public interface DeviceMemory extends AutoCloseable {
    /**
     * Allocates {@code bytes} (positive) of device memory.
     *
     * @return the handle of the allocation
     * @throws KvGridException NO_SPACE when the device has no room, INVALID_ARGUMENT for a size below 1
     */
    long allocate(long bytes);

    /** Frees an allocation; INVALID_ARGUMENT for a handle that is not allocated. */
    void free(long handle);

    /**
     * Copies the remaining bytes of {@code src} to the start of allocation {@code handle}; the position of
     * {@code src} is unchanged. INVALID_ARGUMENT when they do not fit the allocation.
     */
    void copyToDevice(ByteBuffer src, long handle);

    /**
     * Copies the first {@code length} bytes of allocation {@code handle} into {@code dst} at its position; the
     * position of {@code dst} is unchanged. BUFFER_TOO_SMALL when {@code dst} has fewer than {@code length} bytes
     * remaining, INVALID_ARGUMENT when the allocation is shorter than {@code length}.
     */
    void copyToHost(long handle, ByteBuffer dst, long length);

    /**
     * {@link #copyToDevice} that also returns the CRC32C of the bytes copied; implementations that copy in chunks
     * take it chunk by chunk instead of reading the source twice.
     */
    default int copyToDeviceChecked(ByteBuffer src, long handle) {
        int crc = Crc32c.of(src);
        copyToDevice(src, handle);
        return crc;
    }

    /** {@link #copyToHost} that also returns the CRC32C of the bytes copied into {@code dst}. */
    default int copyToHostChecked(long handle, ByteBuffer dst, long length) {
        copyToHost(handle, dst, length);
        return Crc32c.of(dst.duplicate().limit(dst.position() + (int) length));
    }

    /** Copies {@code length} bytes from the start of {@code src} to the start of {@code dst}, both on the device. */
    default void copyOnDevice(long src, long dst, long length) {
        if (length < 0 || length > Integer.MAX_VALUE)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "must be 0..2^31-1, was " + length);
        ByteBuffer staging = ByteBuffer.allocateDirect((int) length);
        copyToHost(src, staging, length);
        copyToDevice(staging, dst);
    }

    /** The device in {@link io.kvgrid.DeviceBuffer} terms: {@code cuda:N} or {@code host}. */
    String deviceName();

    /** The device address of the first byte of allocation {@code handle} (for {@link io.kvgrid.DeviceBuffer}s). */
    long address(long handle);

    /**
     * Copies {@code length} bytes from {@code offset} of allocation {@code handle} to the device address
     * {@code dstAddress}, on the device. INVALID_ARGUMENT when they are not inside the allocation.
     */
    void copyToAddress(long handle, long offset, long dstAddress, long length);

    /** Copies the remaining bytes of {@code src} (position unchanged) to the device address {@code dstAddress}. */
    void copyIn(ByteBuffer src, long dstAddress);

    /**
     * Copies {@code length} bytes from the device address {@code srcAddress} into {@code dst} at its position
     * (position unchanged). BUFFER_TOO_SMALL when {@code dst} has fewer than {@code length} bytes remaining.
     */
    void copyOut(long srcAddress, ByteBuffer dst, long length);

    /** Device memory in bytes. */
    long totalBytes();

    /** Device memory not allocated, in bytes (by anyone: other processes share the device). */
    long freeBytes();

    /** Frees every allocation still held and releases the device. */
    @Override
    void close();
}
