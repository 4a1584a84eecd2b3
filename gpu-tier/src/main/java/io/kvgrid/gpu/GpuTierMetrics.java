package io.kvgrid.gpu;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The GPU tier's meters under kvgrid's names, tagged {@code tier=gpu} besides the tags given (pass the node's, as
 * kvgrid tags its other meters, so every series of a name has the same labels): {@code cache.gets} (result hit or
 * miss), {@code cache.size}, {@code kvgrid.tier.bytes}, {@code kvgrid.tier.capacity.bytes} and
 * {@code kvgrid.tier.evictions}. All read the tier's own counters when scraped; the tier's hot path only increments
 * a field under the lock it already holds.
 *
 * <pre>{@code
 * GpuTier gpu = GpuTier.openCuda(0, 8L << 30, guard);
 * new GpuTierMetrics(gpu, Tags.of("node", node.consistentId())).bindTo(registry);
 * }</pre>
 */
public final class GpuTierMetrics implements MeterBinder {
    private final GpuTier tier;
    private final Tags tags;

    public GpuTierMetrics(GpuTier tier, Iterable<Tag> tags) {
        this.tier = tier;
        this.tags = Tags.of(tags).and("tier", "gpu");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder("cache.gets", tier, GpuTier::hits).description("Reads of a stored block, by tier")
            .tags(tags).tag("result", "hit").register(registry);
        FunctionCounter.builder("cache.gets", tier, GpuTier::misses).description("Reads of a stored block, by tier")
            .tags(tags).tag("result", "miss").register(registry);
        Gauge.builder("cache.size", tier, GpuTier::blocks).description("Blocks held, by tier").tags(tags)
            .strongReference(true).register(registry);
        Gauge.builder("kvgrid.tier.bytes", tier, GpuTier::usedBytes).description("Bytes in use, by tier").tags(tags)
            .strongReference(true).register(registry);
        Gauge.builder("kvgrid.tier.capacity.bytes", tier, GpuTier::capacityBytes)
            .description("Bytes blocks may fill, by tier").tags(tags).strongReference(true).register(registry);
        FunctionCounter.builder("kvgrid.tier.evictions", tier, GpuTier::evictions)
            .description("Blocks a tier dropped to make room").tags(tags).register(registry);
    }
}
