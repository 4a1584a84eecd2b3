package io.kvgrid.examples;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * What the {@code kvgrid} command's flags share beyond picocli: whole numbers written with underscores
 * ({@code --count 1_000}), values that must not be blank, and range checks whose {@link UsageException} names the flag
 * and its allowed range ({@code --nodes must be from 1 to 10, was 0}).
 */
final class Flags {
    private Flags() {
    }

    /** A whole number, {@code _} allowed between digits; anything else names the flag (picocli adds the name). */
    static final class WholeNumber implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Long.parseLong(value.trim().replace("_", ""));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("must be a whole number, was '" + value + "'");
            }
        }
    }

    /** A value that is not blank: {@code --trace ""} is a mistake, not the default. */
    static final class NonEmpty implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (value.isBlank())
                throw new TypeConversionException("must not be empty");
            return value;
        }
    }

    /** {@code value} when it is from {@code min} to {@code max}; {@code dflt} when the flag is absent (null). */
    static long number(String flag, Long value, long dflt, long min, long max) {
        if (value == null)
            return dflt;
        long n = value;
        if (n < min || n > max)
            throw new UsageException(flag + " must be " + range(n, min, max) + ", was " + n);
        return n;
    }

    static int intNumber(String flag, Long value, int dflt, int min, int max) {
        return (int) number(flag, value, dflt, min, max);
    }

    private static String range(long n, long min, long max) {
        if (max - min <= 1000)
            return "from " + min + " to " + max;
        if (n > max)
            return "at most " + max;
        return min == 1 ? "a positive number" : "at least " + min;
    }
}
