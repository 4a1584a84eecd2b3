package io.kvgrid;

import java.nio.ByteBuffer;

/**
 * What a tier in accelerator memory (the GPU tier) offers the node's load and dump into {@link DeviceBuffer}s:
 * copies of the blocks it holds device to device, and host bytes to and from device buffers of the same device
 * through its pinned staging. A {@link TierStore} listed before {@code memory} in {@code tiers} that implements this
 * is used for the device forms of {@code load} and {@code dump}.
 *
 * <pre>{@code
 * if (tier instanceof DeviceTier d && d.device().equals(buffer.device()))
 *     d.copyBlock("blk-1", crc, 0, buffer);
 * }</pre>
 */
public interface DeviceTier {
    /** The device whose buffers this tier reaches: {@code cuda:N} or {@code host}. */
    String device();

    /**
     * Copies {@code dst.length()} bytes from {@code offset} of the held block {@code key} into {@code dst}, on the
     * device. False (nothing copied) when the tier holds no copy of {@code key} with checksum {@code crc}.
     */
    boolean copyBlock(String key, int crc, long offset, DeviceBuffer dst);

    /** Copies the remaining bytes of {@code src} (position unchanged) to the start of {@code dst}. */
    void copyIn(ByteBuffer src, DeviceBuffer dst);

    /** Copies all bytes of {@code src} into {@code dst} at its position (position unchanged). */
    void copyOut(DeviceBuffer src, ByteBuffer dst);
}
