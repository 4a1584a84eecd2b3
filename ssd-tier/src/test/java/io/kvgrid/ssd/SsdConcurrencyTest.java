package io.kvgrid.ssd;

import io.kvgrid.testing.Payload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static io.kvgrid.ssd.Blocks.KIB_64;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class SsdConcurrencyTest {
    @TempDir
    Path dir;

    @Test
    void concurrentSpillsReadsAndRemovesNeverReturnWrongBytes() throws Exception {
        try (SsdTier ssd = SsdTier.open(Blocks.config(dir, 6 * KIB_64))) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            List<Future<Integer>> workers = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                workers.add(pool.submit(() -> {
                    int ops = 0;
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (; ops < 3000 && System.nanoTime() < deadline; ops++) {
                        String key = "k" + rnd.nextInt(12);
                        int size = KIB_64 / 2 + (key.hashCode() & 0xffff) % KIB_64;  // fixed per key
                        switch (rnd.nextInt(4)) {
                            case 0, 1 -> Blocks.put(ssd, key, size);
                            case 2 -> {
                                byte[] got = ssd.get(key);
                                if (got != null)
                                    Payload.assertPayload(key, size, got);
                            }
                            default -> ssd.remove(key);
                        }
                    }
                    return ops;
                }));
            }
            int total = 0;
            for (Future<Integer> f : workers)
                total += f.get(30, TimeUnit.SECONDS);
            pool.shutdown();
            assertTrue(total > 100, "ran " + total + " operations");
            assertTrue(ssd.usedBytes() <= ssd.capacityBytes());
            for (String key : Blocks.keys(ssd))
                Payload.assertPayload(key, KIB_64 / 2 + (key.hashCode() & 0xffff) % KIB_64, ssd.get(key));
        }
    }
}
