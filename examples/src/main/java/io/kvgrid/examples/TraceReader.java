package io.kvgrid.examples;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /**
     * One trace line, read with Jackson's streaming parser: the known fields are taken as they come, other fields
     * (and their nested values) are skipped without being built.
     */
    static TraceRequest parse(String line, Path file, int lineNo) {
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT)
                throw bad(file, lineNo, "not a JSON object");
            Long ts = null;
            Long in = null;
            long outLen = 0;
            long[] hashes = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "timestamp" -> ts = whole(p, t, field, file, lineNo);
                    case "input_length" -> in = whole(p, t, field, file, lineNo);
                    case "output_length" -> outLen = whole(p, t, field, file, lineNo);
                    case "hash_ids" -> hashes = hashIds(p, t, file, lineNo);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null)
                throw bad(file, lineNo, "not JSON: trailing characters at offset "
                    + p.currentTokenLocation().getCharOffset());
            if (ts == null)
                throw bad(file, lineNo, "timestamp is missing");
            if (in == null)
                throw bad(file, lineNo, "input_length is missing");
            if (hashes == null)
                throw bad(file, lineNo, "hash_ids must be an array of block hashes");
            if (ts < 0 || in < 0 || outLen < 0 || in > Integer.MAX_VALUE || outLen > Integer.MAX_VALUE)
                throw bad(file, lineNo, "timestamp and lengths must be non-negative");
            return new TraceRequest(ts, (int) (long) in, (int) outLen, hashes);
        } catch (JsonProcessingException e) {
            throw bad(file, lineNo, "not JSON: " + Json.error(e).getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long[] hashIds(JsonParser p, JsonToken t, Path file, int lineNo) throws IOException {
        if (t != JsonToken.START_ARRAY)
            throw bad(file, lineNo, "hash_ids must be an array of block hashes");
        long[] ids = new long[16];
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)
                throw bad(file, lineNo, "hash_ids[" + n + "] is not a whole number");
            if (n == ids.length)
                ids = Arrays.copyOf(ids, n * 2);
            ids[n++] = p.getLongValue();
        }
        return Arrays.copyOf(ids, n);
    }

    /** A whole number: an integer, or a floating-point value without a fraction (as some trace writers emit). */
    private static long whole(JsonParser p, JsonToken t, String field, Path file, int lineNo) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER)
            return p.getLongValue();
        if (t == JsonToken.VALUE_NUMBER_FLOAT && p.getDoubleValue() == Math.rint(p.getDoubleValue()))
            return (long) p.getDoubleValue();
        if (t == JsonToken.VALUE_NULL)
            throw bad(file, lineNo, field + " is missing");
        if (t.isStructStart())
            p.skipChildren();
        throw bad(file, lineNo, field + " must be a whole number, was " + p.getText());
    }

    private static UsageException bad(Path file, int lineNo, String what) {
        return new UsageException("--trace: " + file + " line " + lineNo + ": " + what);
    }
}
