package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class ReplayTraceTest {
    private static final int T = 512;

    @Test
    void anUnboundedReplayOfTheMooncakeTraceHitsExactlyWhatAHashSetOfSeenBlocksPredicts() throws Exception {
        Path trace = Traces.conversationTrace();
        List<TraceRequest> reqs = TraceReader.read(trace, 1_500);
        Traces.Expected exp = Traces.unbounded(reqs, T);
        ReplayOptions o = new ReplayOptions(trace, 1, 0, T, 8, 1_500, 1);

        ReplaySummary s = new Replayer(o, reqs).run(null);

        assertEquals(1_500, s.requests);
        assertEquals(exp.blocks(), s.blocks);
        assertEquals(exp.hitBlocks(), s.hitBlocks);
        assertEquals(exp.hitTokens(), s.hitTokens);
        assertEquals(exp.blockHitRate(), s.blockHitRate());
        assertEquals(exp.tokenHitRate(), s.tokenHitRate());
        assertEquals(0, s.verifyFailures);
        assertEquals(0, s.loadErrors);
        assertEquals(exp.hitBlocks() * 4096, s.bytesLoaded, "every hit block was loaded once");
        assertEquals(exp.uniqueBlocks() * 4096, s.bytesDumped, "every distinct block was dumped once");
        assertEquals(exp.hitBlocks(), s.tierHits.get("memory"));
        assertEquals(0, s.evictions);
    }

    @Test
    void aThreeNodeReplayThroughTheCommandLinePrintsTheSameHitRatesAsJsonOnItsLastLine() throws Exception {
        Path trace = Traces.conversationTrace();
        Traces.Expected exp = Traces.unbounded(TraceReader.read(trace, 300), T);

        Traces.Run run = Traces.cli("replay", "--trace", trace.toString(), "--nodes", "3", "--max-requests", "300",
            "--bytes-per-token", "8", "--json");

        assertEquals(0, run.code(), run.err());
        Map<String, Object> j = run.json();
        for (String f : List.of("requests", "blocks", "blockHitRate", "tokenHitRate", "tierHits", "bytesLoaded",
            "bytesDumped", "evictions", "verifyFailures", "latencyMs"))
            assertTrue(j.containsKey(f), "JSON has " + f);
        assertEquals(300L, j.get("requests"));
        assertEquals(3L, j.get("nodes"));
        assertEquals(exp.blocks(), j.get("blocks"));
        assertEquals(exp.blockHitRate(), j.get("blockHitRate"));
        assertEquals(exp.tokenHitRate(), j.get("tokenHitRate"));
        assertEquals(exp.hitBlocks(), ((Map<?, ?>) j.get("tierHits")).get("memory"));
        assertEquals(exp.hitBlocks() * 4096, j.get("bytesLoaded"));
        assertEquals(exp.uniqueBlocks() * 4096, j.get("bytesDumped"));
        assertEquals(0L, j.get("verifyFailures"));
        Map<?, ?> lat = (Map<?, ?>) j.get("latencyMs");
        for (String f : List.of("lookupP50", "lookupP99", "loadP50", "loadP99", "dumpP50", "dumpP99",
            "loadPerBlockP50", "loadPerBlockP99", "dumpPerBlockP50", "dumpPerBlockP99")) {
            double v = ((Number) lat.get(f)).doubleValue();
            assertTrue(v > 0, f + " is a measured latency, was " + v);
        }
        for (String op : List.of("load", "dump"))
            assertTrue(((Number) lat.get(op + "PerBlockP50")).doubleValue()
                <= ((Number) lat.get(op + "P50")).doubleValue(), op + ": a call's time per block is at most its time");
        assertTrue(((Number) lat.get("lookupP99")).doubleValue() >= ((Number) lat.get("lookupP50")).doubleValue());
        assertTrue(run.out().contains("prefix hit rate, blocks"), "the summary table is printed too");
    }

    @Test
    void aBoundedReplayComesWithinThreePointsOfStrictLruAtTheSameCapacity() throws Exception {
        Path trace = Traces.conversationTrace();
        List<TraceRequest> reqs = TraceReader.read(trace, 1_500);
        long capacity = 6_000;   // a fifth of the 30,634 distinct blocks of these requests
        ReplayOptions o = new ReplayOptions(trace, 1, capacity, T, 8, 1_500, 1);
        assertTrue(new Replayer(o, reqs).configuration(new java.util.concurrent.atomic.AtomicLong()).isPreTouchRegion(),
            "a bounded replay faults its region in at start");
        assertFalse(new Replayer(new ReplayOptions(trace, 1, 0, T, 8, 1_500, 1), reqs)
            .configuration(new java.util.concurrent.atomic.AtomicLong()).isPreTouchRegion(), "an unbounded one grows");

        ReplaySummary s = new Replayer(o, reqs).run(null);

        LruSimulator lru = new LruSimulator(capacity);
        long lruHits = 0;
        for (TraceRequest r : reqs)
            lruHits += lru.access(r.hashIds());
        double lruRate = (double) lruHits / s.blocks;
        assertEquals(lruRate, s.lruBlockHitRate, "the summary reports the same LRU reference");
        assertTrue(Math.abs(s.blockHitRate() - lruRate) <= 0.03,
            "kvgrid " + s.blockHitRate() + " vs strict LRU " + lruRate);
        assertTrue(s.blockHitRate() < Traces.unbounded(reqs, T).blockHitRate(), "a bounded tier misses more");
        assertTrue(s.evictions > 0, "the memory tier evicted");
        assertTrue(Math.abs(s.memoryBlocks - capacity) <= capacity / 20,
            "the region is sized so that the watermark sits at the capacity: " + s.memoryBlocks + " blocks held");
        assertEquals(0, s.dumpRejected, "6,000 blocks are well above what 10 s of trace leases (at most 1,661)");
        assertEquals(0, s.verifyFailures);
        assertEquals(0, s.loadErrors);
    }

    @Test
    void aSmallMemoryTierBackedByAnSsdTierThatHoldsEverythingHitsExactlyAsMuchAsUnboundedMemory(@TempDir Path ssd)
        throws Exception {
        Path trace = Traces.conversationTrace();
        List<TraceRequest> reqs = TraceReader.read(trace, 300);
        Traces.Expected exp = Traces.unbounded(reqs, T);
        // 7,814 distinct blocks; the SSD tier indexes capacity / 64 KiB blocks (SsdTierConfig.maxBlocks default),
        // so 600 MB hold them all. 2,000 blocks of memory is above the 1,344 that 10 s of these requests lease.
        ReplayOptions o = new ReplayOptions(trace, 1, 2_000, T, 8, 300, 1, ssd, 600_000_000L);

        ReplaySummary s = new Replayer(o, reqs).run(null);

        assertEquals(exp.hitBlocks(), s.hitBlocks, "nothing is lost, only moved to SSD");
        assertEquals(exp.blockHitRate(), s.blockHitRate());
        assertEquals(exp.tokenHitRate(), s.tokenHitRate());
        assertTrue(s.evictions > 0, "the memory tier evicted");
        long ssdHits = s.tierHits.get("ssd");
        assertTrue(ssdHits > 0, "hits served from SSD: " + s.tierHits);
        assertEquals(exp.hitBlocks(), s.tierHits.get("memory") + ssdHits, "every hit is counted in one tier");
        assertTrue(s.tierHits.get("memory") > 0, "recent blocks still hit in memory: " + s.tierHits);
        assertTrue(s.blockHitRate() > s.lruBlockHitRate, "more than memory alone would hold");
        assertEquals(0, s.verifyFailures);
        assertEquals(0, s.loadErrors);
        assertEquals(0, s.dumpRejected);
        assertEquals(exp.hitBlocks() * 4096, s.bytesLoaded);
        try (var dirs = java.nio.file.Files.list(ssd)) {
            assertEquals(1, dirs.count(), "one node, one SSD subdirectory");
        }
    }

    @Test
    void theGpuFlagsPutAGpuTierOnTopAndTheJsonCountsItsHits() throws Exception {
        Path trace = Traces.conversationTrace();
        Traces.Expected exp = Traces.unbounded(TraceReader.read(trace, 100), T);

        Traces.Run run = Traces.cli("replay", "--trace", trace.toString(), "--max-requests", "100",
            "--bytes-per-token", "8", "--gpu-bytes", Long.toString(4L << 20), "--gpu-device", "host", "--json");

        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("GPU tier: 4.0 MiB per node on host"), run.out());
        Map<?, ?> hits = (Map<?, ?>) run.json().get("tierHits");
        long gpu = (Long) hits.get("gpu");
        assertTrue(gpu > 0, "hits served from the GPU tier: " + hits);
        assertEquals(exp.hitBlocks(), gpu + (Long) hits.get("memory"), "every hit counted once: " + hits);
        assertEquals(0L, run.json().get("verifyFailures"));
    }

    @Test
    void theWholeChainGpuMemoryAndSsdServesEveryHitFromSomeTierWithEveryReadVerified(@TempDir Path ssd)
        throws Exception {
        Path trace = Traces.conversationTrace();
        List<TraceRequest> reqs = TraceReader.read(trace, 300);
        Traces.Expected exp = Traces.unbounded(reqs, T);
        // Memory bounded to 2,000 blocks over an SSD tier that holds everything, a GPU tier (host stand-in) of 512
        // blocks of 4 KiB on top: hot blocks come up after two reads.
        ReplayOptions o = new ReplayOptions(trace, 1, 2_000, T, 8, 300, 1, ssd, 600_000_000L, 512L * 4096, "host");

        ReplaySummary s = new Replayer(o, reqs).run(null);

        assertEquals(exp.hitBlocks(), s.hitBlocks, "nothing is lost across the three tiers");
        assertEquals(exp.blockHitRate(), s.blockHitRate());
        long gpu = s.tierHits.get("gpu");
        long memory = s.tierHits.get("memory");
        long onSsd = s.tierHits.get("ssd");
        assertTrue(gpu > 0, "hits served from the GPU tier: " + s.tierHits);
        assertTrue(onSsd > 0, "hits served from SSD: " + s.tierHits);
        assertEquals(exp.hitBlocks(), gpu + memory + onSsd, "every hit is counted in one tier: " + s.tierHits);
        assertTrue(s.evictions > 0, "the memory tier evicted");
        assertEquals(0, s.verifyFailures, "every loaded block had its own bytes");
        assertEquals(0, s.loadErrors);
        assertEquals(0, s.dumpRejected);
        assertEquals(exp.hitBlocks() * 4096, s.bytesLoaded);
    }
}
