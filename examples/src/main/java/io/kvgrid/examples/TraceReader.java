package io.kvgrid.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads a Mooncake-format JSONL trace: one object a line with timestamp, input_length, output_length, hash_ids. */
final class TraceReader {
    private TraceReader() {
    }

    /** The first {@code maxRequests} requests of the file, in file order. Blank lines are skipped. */
    static List<TraceRequest> read(Path file, int maxRequests) throws IOException {
        List<TraceRequest> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while (out.size() < maxRequests && (line = r.readLine()) != null) {
                lineNo++;
                if (!line.isBlank())
                    out.add(parse(line, file, lineNo));
            }
        } catch (NoSuchFileException e) {
            throw new UsageException("--trace: no such file " + file);
        }
        return out;
    }

    static TraceRequest parse(String line, Path file, int lineNo) {
        Object v;
        try {
            v = Json.parse(line);
        } catch (IllegalArgumentException e) {
            throw bad(file, lineNo, "not JSON: " + e.getMessage());
        }
        if (!(v instanceof Map<?, ?> m))
            throw bad(file, lineNo, "not a JSON object");
        long ts = whole(m, "timestamp", file, lineNo);
        long in = whole(m, "input_length", file, lineNo);
        long outLen = m.containsKey("output_length") ? whole(m, "output_length", file, lineNo) : 0;
        if (!(m.get("hash_ids") instanceof List<?> ids))
            throw bad(file, lineNo, "hash_ids must be an array of block hashes");
        long[] hashes = new long[ids.size()];
        for (int i = 0; i < hashes.length; i++) {
            if (!(ids.get(i) instanceof Long l))
                throw bad(file, lineNo, "hash_ids[" + i + "] is not a whole number");
            hashes[i] = l;
        }
        if (ts < 0 || in < 0 || outLen < 0 || in > Integer.MAX_VALUE || outLen > Integer.MAX_VALUE)
            throw bad(file, lineNo, "timestamp and lengths must be non-negative");
        return new TraceRequest(ts, (int) in, (int) outLen, hashes);
    }

    private static long whole(Map<?, ?> m, String field, Path file, int lineNo) {
        Object v = m.get(field);
        if (v instanceof Long l)
            return l;
        if (v instanceof Double d && d == Math.rint(d))
            return d.longValue();
        throw bad(file, lineNo, field + (v == null ? " is missing" : " must be a whole number, was " + v));
    }

    private static UsageException bad(Path file, int lineNo, String what) {
        return new UsageException("--trace: " + file + " line " + lineNo + ": " + what);
    }
}
