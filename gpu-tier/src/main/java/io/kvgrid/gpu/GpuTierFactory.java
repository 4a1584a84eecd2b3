package io.kvgrid.gpu;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.TierContext;
import io.kvgrid.TierStore;
import io.kvgrid.TierStoreFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Puts a GPU tier above the grid on each server node: up to {@code capacityBytes} of the node's hottest blocks in
 * device memory (blocks come up after {@code promotionThreshold} reads on the node, or at once with the GPU pin put
 * option; least recently used ones leave, their copy in the grid stands). {@code device} chooses the memory:
 * {@code cuda:N} (CUDA device N), {@code host} (a stand-in in host memory, {@link HostDeviceMemory}) or {@code none}.
 * On a node without CUDA, {@code cuda:N} logs one line and the node runs without the GPU tier. A bean: Spring XML
 * can set every property.
 *
 * <pre>{@code
 * cfg.setTiers(List.of(new GpuTierFactory().setDevice("cuda:0").setCapacityBytes(8L << 30),
 *                      KvGridConfiguration.MEMORY));
 * }</pre>
 */
public final class GpuTierFactory implements TierStoreFactory {
    private static final Logger LOG = LoggerFactory.getLogger(GpuTierFactory.class);
    private String device = "cuda:0";
    private int ordinal;
    private long capacityBytes;

    /** {@code cuda:N}, {@code host} or {@code none}; INVALID_CONFIG ("device") for anything else. */
    public GpuTierFactory setDevice(String device) {
        String d = device == null ? "" : device.trim().toLowerCase(Locale.ROOT);
        if (d.equals("host") || d.equals("none")) {
            this.device = d;
            return this;
        }
        if (!d.matches("cuda:\\d{1,3}"))
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "device",
                "must be cuda:N (N a device ordinal), host or none, was " + device);
        this.ordinal = Integer.parseInt(d.substring(5));
        this.device = d;
        return this;
    }

    public String getDevice() {
        return device;
    }

    /** Device bytes the tier may fill on each node (positive). */
    public GpuTierFactory setCapacityBytes(long capacityBytes) {
        if (capacityBytes < 1)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "capacityBytes",
                "must be positive, was " + capacityBytes);
        this.capacityBytes = capacityBytes;
        return this;
    }

    public long getCapacityBytes() {
        return capacityBytes;
    }

    /** The node's GPU tier, or null when {@code device} is none or the node has no CUDA (logged). */
    @Override
    public TierStore open(TierContext ctx) {
        if (device.equals("none"))
            return null;
        if (capacityBytes == 0)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "capacityBytes", "the GPU tier needs a capacity");
        EvictionGuard guard = ctx::mayDrop;
        if (device.equals("host"))
            return GpuTier.openOwning(new HostDeviceMemory(capacityBytes), capacityBytes, guard);
        if (!CudaDeviceMemory.available()) {
            LOG.warn("kvgrid node {}: no CUDA driver or device for gpuDevice {}; running without the GPU tier",
                ctx.nodeId(), device);
            return null;
        }
        try {
            return GpuTier.openCuda(ordinal, capacityBytes, guard);
        } catch (KvGridException e) {
            if (e.code() != ErrorCode.NODE_UNAVAILABLE)
                throw e;
            LOG.warn("kvgrid node {}: CUDA device {} unavailable ({}); running without the GPU tier", ctx.nodeId(),
                device, e.getMessage());
            return null;
        }
    }
}
