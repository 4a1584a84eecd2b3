package io.kvgrid.examples;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** What a replay measured; printed as a table and as one JSON object. Rates are fractions (0.3664 = 36.64%). */
final class ReplaySummary {
    String source;
    int requests, nodes, tokensPerBlock, blockBytes, pageSize;
    long capacityBlocks, dataRegionBytes, memoryBytesUsed, memoryBlocks, dumpRejected, ssdBytes;
    double highWatermark;
    long blocks, hitBlocks, inputTokens, hitTokens, bytesLoaded, bytesDumped, evictions, verifyFailures, loadErrors;
    final Map<String, Long> tierHits = new TreeMap<>();
    double seconds;
    Latencies lookup, load, dump;
    /** A load's (a dump's) time over the blocks it carried: calls carry 1 to maxPerCall blocks. */
    Latencies loadPerBlock, dumpPerBlock;
    double lruBlockHitRate = Double.NaN, lruTokenHitRate = Double.NaN;
    long lruEvictions;

    double blockHitRate() {
        return blocks == 0 ? 0 : (double) hitBlocks / blocks;
    }

    double tokenHitRate() {
        return inputTokens == 0 ? 0 : (double) hitTokens / inputTokens;
    }

    boolean bounded() {
        return capacityBlocks > 0;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("requests", requests);
        m.put("nodes", nodes);
        m.put("capacityBlocks", bounded() ? capacityBlocks : null);
        m.put("tokensPerBlock", tokensPerBlock);
        m.put("blockBytes", blockBytes);
        m.put("blocks", blocks);
        m.put("hitBlocks", hitBlocks);
        m.put("blockHitRate", blockHitRate());
        m.put("inputTokens", inputTokens);
        m.put("hitTokens", hitTokens);
        m.put("tokenHitRate", tokenHitRate());
        m.put("tierHits", new LinkedHashMap<>(tierHits));
        m.put("bytesLoaded", bytesLoaded);
        m.put("bytesDumped", bytesDumped);
        m.put("evictions", evictions);
        m.put("pageSize", pageSize);
        m.put("dataRegionBytesPerNode", dataRegionBytes);
        m.put("memoryBytesUsed", memoryBytesUsed);
        m.put("memoryBlocks", memoryBlocks);
        m.put("highWatermark", highWatermark);
        m.put("ssdBytesPerNode", ssdBytes > 0 ? ssdBytes : null);
        m.put("dumpRejected", dumpRejected);
        m.put("verifyFailures", verifyFailures);
        m.put("loadErrors", loadErrors);
        m.put("seconds", seconds);
        m.put("requestsPerSec", requests / Math.max(seconds, 1e-9));
        m.put("gbPerSec", (bytesLoaded + bytesDumped) / Math.max(seconds, 1e-9) / 1e9);
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put("lookupP50", lookup.percentileMs(50));
        lat.put("lookupP99", lookup.percentileMs(99));
        lat.put("loadP50", load.percentileMs(50));
        lat.put("loadP99", load.percentileMs(99));
        lat.put("dumpP50", dump.percentileMs(50));
        lat.put("dumpP99", dump.percentileMs(99));
        lat.put("loadPerBlockP50", loadPerBlock.percentileMs(50));
        lat.put("loadPerBlockP99", loadPerBlock.percentileMs(99));
        lat.put("dumpPerBlockP50", dumpPerBlock.percentileMs(50));
        lat.put("dumpPerBlockP99", dumpPerBlock.percentileMs(99));
        m.put("latencyMs", lat);
        if (bounded()) {
            m.put("lruBlockHitRate", lruBlockHitRate);
            m.put("lruTokenHitRate", lruTokenHitRate);
        }
        return m;
    }

    void print(PrintStream out) {
        TextTable t = new TextTable("metric", "value").leftAligned();
        t.row("requests", requests);
        t.row("blocks", blocks + " (" + TextTable.bytes(blockBytes) + " each, " + tokensPerBlock + " tokens)");
        t.row("prefix hit rate, blocks", pct(blockHitRate()) + "  (" + hitBlocks + " of " + blocks + ")");
        t.row("prefix hit rate, input tokens", pct(tokenHitRate()) + "  (" + hitTokens + " of " + inputTokens + ")");
        if (bounded()) {
            t.row("strict LRU at same capacity, blocks", pct(lruBlockHitRate));
            t.row("strict LRU at same capacity, tokens", pct(lruTokenHitRate));
        }
        StringBuilder tiers = new StringBuilder();
        tierHits.forEach((k, v) -> tiers.append(tiers.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
        t.row("hits per tier (blocks)", tiers);
        t.row("bytes loaded", TextTable.bytes(bytesLoaded));
        t.row("bytes dumped", TextTable.bytes(bytesDumped));
        t.row("throughput", String.format("%.0f requests/s, %.3f GB/s loaded+dumped", requests / Math.max(seconds, 1e-9),
            (bytesLoaded + bytesDumped) / Math.max(seconds, 1e-9) / 1e9));
        t.row("lookupOnPrefix p50 / p99", ms(lookup.percentileMs(50)) + " / " + ms(lookup.percentileMs(99)));
        t.row("load p50 / p99", ms(load.percentileMs(50)) + " / " + ms(load.percentileMs(99)));
        t.row("dump p50 / p99", ms(dump.percentileMs(50)) + " / " + ms(dump.percentileMs(99)));
        t.row("load per block p50 / p99", ms(loadPerBlock.percentileMs(50)) + " / "
            + ms(loadPerBlock.percentileMs(99)));
        t.row("dump per block p50 / p99", ms(dumpPerBlock.percentileMs(50)) + " / "
            + ms(dumpPerBlock.percentileMs(99)));
        t.row("memory tier", TextTable.bytes(memoryBytesUsed) + " used of " + nodes + " x "
            + TextTable.bytes(dataRegionBytes) + " (" + TextTable.bytes(pageSize) + " pages)");
        t.row("blocks in memory at the end", memoryBlocks + " copies (high watermark "
            + String.format("%.4f", highWatermark) + ")");
        t.row("evictions", evictions);
        if (dumpRejected > 0)
            t.row("dumps refused, all else leased", dumpRejected);
        t.row("verification failures", verifyFailures);
        if (loadErrors > 0)
            t.row("failed loads (blocks)", loadErrors);
        t.row("wall time", String.format("%.1f s", seconds));
        t.print(out);
    }

    private static String pct(double f) {
        return String.format("%.2f%%", 100 * f);
    }

    private static String ms(double v) {
        return String.format("%.3f ms", v);
    }
}
