package io.kvgrid.gpu;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(60)
class GpuTierMetricsTest {
    private static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    @Test
    void hitsMissesBytesAndEvictionsOfTheGpuTierReadAsKvgridMeters() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        try (GpuTier gpu = GpuTier.open(new HeapDeviceMemory(1 << 20), 3000, EvictionGuard.ALWAYS)) {
            new GpuTierMetrics(gpu, Tags.of("node", "n1")).bindTo(r);
            byte[] a = new byte[1000];
            a[7] = 7;
            gpu.put("a", ByteBuffer.wrap(a), crc(a));
            gpu.put("b", ByteBuffer.wrap(new byte[1500]), crc(new byte[1500]));
            assertEquals(1000, gpu.read("a", ByteBuffer.allocate(1000)));
            assertEquals(-1, gpu.read("absent", ByteBuffer.allocate(10)));
            gpu.put("c", ByteBuffer.wrap(new byte[1500]), crc(new byte[1500]));   // "b", least recently used, goes

            assertEquals(1, r.get("cache.gets").tags("node", "n1", "tier", "gpu", "result", "hit").functionCounter()
                .count());
            assertEquals(1, r.get("cache.gets").tags("tier", "gpu", "result", "miss").functionCounter().count());
            assertEquals(2, r.get("cache.size").tags("tier", "gpu").gauge().value());
            assertEquals(2500, r.get("kvgrid.tier.bytes").tags("tier", "gpu").gauge().value());
            assertEquals(3000, r.get("kvgrid.tier.capacity.bytes").tags("tier", "gpu").gauge().value());
            assertEquals(1, r.get("kvgrid.tier.evictions").tags("tier", "gpu").functionCounter().count());
        }
    }
}
