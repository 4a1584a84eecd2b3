package io.kvgrid.examples;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON through Jackson, in the shapes the command has always used: objects read as {@code LinkedHashMap}, arrays as
 * {@code ArrayList}, integers as {@code Long}, other numbers as {@code Double}; written on one line, NaN and
 * infinities as null, values that are not maps, lists, numbers, booleans or strings as their {@code toString()}.
 */
final class Json {
    /** Shared, thread-safe once configured. */
    static final ObjectMapper MAPPER = new ObjectMapper()
        .enable(DeserializationFeature.USE_LONG_FOR_INTS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {
    }

    /** One line of JSON for maps, lists, numbers, strings, booleans and null. NaN and infinities become null. */
    static String write(Object v) {
        try {
            return MAPPER.writeValueAsString(plain(v));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code v} as maps, lists, finite numbers, booleans and strings only, so Jackson writes what kvgrid means. */
    private static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean)
            return v;
        if (v instanceof Double || v instanceof Float)
            return Double.isFinite(((Number) v).doubleValue()) ? v : null;
        if (v instanceof Number)
            return v;
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(plain(x)));
            return out;
        }
        return v.toString();
    }

    /** Parses one JSON value; {@link IllegalArgumentException} names the offset of the first error. */
    static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw error(e);
        }
    }

    /** Jackson's error as the command reports it: what went wrong and the character offset where. */
    static IllegalArgumentException error(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String msg = e.getOriginalMessage().lines().findFirst().orElse("malformed JSON");
        return new IllegalArgumentException(at == null ? msg : msg + " at offset " + at.getCharOffset(), e);
    }
}
