package io.kvgrid;

/**
 * A buffer in accelerator memory for {@link BlockStore#load(java.util.List, int[], DeviceBuffer[])} and
 * {@link BlockStore#dump(java.util.List, int[], DeviceBuffer[])}: the device ({@code cuda:N}, or {@code host} for the
 * GPU tier's stand-in in host memory), the address of the buffer's first byte on it, and its length in bytes. Blocks
 * the node's GPU tier holds are copied device to device; others go host to device through pinned staging.
 *
 * <pre>{@code
 * DeviceBuffer kv = new DeviceBuffer("cuda:0", kvCacheAddress + layerOffset, shardBytes);
 * store.load(ids, shards, new DeviceBuffer[] {kv}).await();
 * }</pre>
 *
 * @param device  {@code cuda:N} or {@code host}
 * @param pointer the device address of the first byte (non-zero)
 * @param length  bytes of the buffer (not negative)
 */
public record DeviceBuffer(String device, long pointer, long length) {
    public DeviceBuffer {
        if (device == null || !device.matches("cuda:\\d{1,3}|host"))
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "device", "must be cuda:N or host, was " + device);
        if (pointer == 0)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "pointer", "must not be null (0)");
        if (length < 0)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "length", "must not be negative, was " + length);
    }

    /** The buffer from {@code offset} on, {@code length} bytes long (within this one). */
    public DeviceBuffer slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset + length > this.length)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "offset", offset + "+" + length
                + " is outside a buffer of " + this.length + " bytes");
        return new DeviceBuffer(device, pointer + offset, length);
    }
}
