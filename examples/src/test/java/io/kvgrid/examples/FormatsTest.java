package io.kvgrid.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(600)
class FormatsTest {
    @Test
    void jsonWrittenByTheSummaryParsesBackToTheSameValues() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a \"quoted\"\\ line\n\u0001");
        m.put("n", 12L);
        m.put("d", 0.3664);
        m.put("nan", Double.NaN);
        m.put("list", List.of(1L, true, "x"));
        m.put("obj", Map.of("k", -3L));
        m.put("none", null);
        Object back = Json.parse(Json.write(m));
        m.put("nan", null);
        assertEquals(m, back);
    }

    @Test
    void malformedJsonNamesTheOffsetOfTheError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": [1, 2}"));
        assertTrue(e.getMessage().contains("offset 11"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
    }

    @Test
    void aTraceLineReadsWithItsFieldsAndUnknownFieldsIgnored() {
        TraceRequest r = TraceReader.parse("{\"timestamp\": 27, \"input_length\": 1030, \"output_length\": 5, "
            + "\"hash_ids\": [0, 46, 47], \"model\": {\"name\": \"x\"}}", Path.of("t.jsonl"), 1);
        assertEquals(27, r.timestampMs());
        assertEquals(1030, r.inputLength());
        assertEquals(5, r.outputLength());
        assertArrayEquals(new long[] {0, 46, 47}, r.hashIds());
        assertEquals(1030, r.hitTokens(3, 512), "token hits stop at the input length");
        assertEquals(1024, r.hitTokens(2, 512));
    }

    @Test
    void aBadTraceLineIsReportedWithFileAndLineNumber() {
        UsageException e = assertThrows(UsageException.class, () -> TraceReader.parse(
            "{\"timestamp\": 1, \"hash_ids\": [1]}", Path.of("t.jsonl"), 42));
        assertEquals("--trace: t.jsonl line 42: input_length is missing", e.getMessage());
        e = assertThrows(UsageException.class, () -> TraceReader.parse(
            "{\"timestamp\": 1, \"input_length\": 3, \"hash_ids\": [1, \"a\"]}", Path.of("t.jsonl"), 7));
        assertEquals("--trace: t.jsonl line 7: hash_ids[1] is not a whole number", e.getMessage());
    }

    @Test
    void blockPayloadsFollowFromTheIdAndAnyChangedByteIsDetected() {
        for (int size : new int[] {1, 7, 8, 4096, 4099}) {
            ByteBuffer b = ByteBuffer.allocate(size);
            BlockPayload.fill(12345, b, size);
            assertEquals(size, b.position());
            assertTrue(BlockPayload.matches(12345, b, size));
            assertFalse(BlockPayload.matches(12346, b, size), "another id has other bytes");
            b.put(size - 1, (byte) (b.get(size - 1) + 1));
            assertFalse(BlockPayload.matches(12345, b, size), "the last byte is checked too");
        }
    }

    @Test
    void replayRegionsAreSizedFromTheBlocksTheyMustHold() {
        assertEquals(4096, MemorySizing.bestPageSize(4096, 32), "a 4 KiB block in a 16 KiB page wastes a quarter");
        assertEquals(16384, MemorySizing.bestPageSize(1 << 20, 32), "large blocks take the fastest pages");
        double f = MemorySizing.footprint(65536, 32, 16384);
        assertTrue(f > 65536 && f < 65536 * 1.05, "a 64 KiB block costs little more than its bytes: " + f);
        long oneNode = MemorySizing.dataRegionBytes(10_000, 4096, 32, 4096, 1, 1, 64, 0.9);
        long threeNodes = MemorySizing.dataRegionBytes(10_000, 4096, 32, 4096, 2, 3, 64, 0.9);
        assertTrue(oneNode > 10_000L * 4096 / 0.9 && oneNode < 10_000L * 4096 * 1.3 / 0.9, "one node: " + oneNode);
        assertTrue(threeNodes < oneNode, "two copies on three nodes need less per node");
        assertEquals(16L << 20, MemorySizing.dataRegionBytes(1, 4096, 32, 4096, 1, 1, 64, 0.9), "Ignite's minimum");
    }
}
