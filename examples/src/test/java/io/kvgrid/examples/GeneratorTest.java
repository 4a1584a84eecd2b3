package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class GeneratorTest {
    @Test
    void theGeneratorIsDeterministicOrderedAndSizedLikeATrace() {
        List<TraceRequest> a = new ConversationGenerator(7, 512).generate(500);
        List<TraceRequest> b = new ConversationGenerator(7, 512).generate(500);
        assertEquals(500, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).timestampMs(), b.get(i).timestampMs());
            assertArrayEquals(a.get(i).hashIds(), b.get(i).hashIds());
            if (i > 0)
                assertTrue(a.get(i).timestampMs() >= a.get(i - 1).timestampMs(), "requests in arrival order");
            TraceRequest r = a.get(i);
            assertEquals((r.inputLength() + 511) / 512, r.hashIds().length, "one id per 512-token block");
        }
    }

    @Test
    void generatedBlockIdsAreChainedPrefixHashes() {
        // With chained hashes, equal ids at position j imply equal ids at every earlier position.
        Map<Long, long[]> prefixOf = new HashMap<>();
        for (TraceRequest r : new ConversationGenerator(3, 256).generate(800)) {
            long[] ids = r.hashIds();
            for (int j = 0; j < ids.length; j++) {
                long[] prefix = java.util.Arrays.copyOf(ids, j);
                long[] known = prefixOf.putIfAbsent(ids[j], prefix);
                if (known != null)
                    assertArrayEquals(known, prefix, "block " + ids[j] + " always follows the same prefix");
            }
        }
    }

    @Test
    void theBuiltInGeneratorReplaysWithTheHitRateItsRequestsImply() {
        Traces.Expected exp = Traces.unbounded(new ConversationGenerator(5, 512).generate(250), 512);
        assertTrue(exp.hitBlocks() > 0 && exp.hitBlocks() < exp.blocks(), "conversations reuse some blocks");

        Traces.Run run = Traces.cli("replay", "--max-requests", "250", "--seed", "5", "--bytes-per-token", "4",
            "--json");

        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().startsWith("replaying 250 requests from the built-in conversation generator"));
        Map<String, Object> j = run.json();
        assertEquals(250L, j.get("requests"));
        assertEquals(exp.blocks(), j.get("blocks"));
        assertEquals(exp.blockHitRate(), j.get("blockHitRate"));
        assertEquals(exp.tokenHitRate(), j.get("tokenHitRate"));
        assertEquals(0L, j.get("verifyFailures"));
        assertEquals(exp.uniqueBlocks() * 2048, j.get("bytesDumped"));
    }
}
