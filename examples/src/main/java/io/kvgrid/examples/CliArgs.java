package io.kvgrid.examples;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The flags of one subcommand: {@code --name value}, {@code --name=value} or a bare {@code --switch}, and, for
 * commands that take them, up to {@code maxPositionals} words in between ({@code --} ends the flags, so a word may
 * start with {@code --}). Unknown flags, missing values, extra words and malformed numbers are
 * {@link UsageException}s naming the flag.
 */
final class CliArgs {
    private final Map<String, String> values = new HashMap<>();
    private final List<String> positionals = new ArrayList<>();

    CliArgs(String[] args, Set<String> valueFlags, Set<String> switches) {
        this(args, valueFlags, switches, 0);
    }

    CliArgs(String[] args, Set<String> valueFlags, Set<String> switches, int maxPositionals) {
        boolean flagsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!flagsEnded && maxPositionals > 0 && a.equals("--")) {
                flagsEnded = true;
                continue;
            }
            if (flagsEnded || !a.startsWith("--") || a.length() == 2) {
                if (positionals.size() >= maxPositionals)
                    throw new UsageException("unexpected argument '" + a + "'");
                positionals.add(a);
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (switches.contains(name)) {
                if (value != null)
                    throw new UsageException(name + " takes no value");
                value = "true";
            } else if (valueFlags.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length)
                        throw new UsageException(name + " needs a value");
                    value = args[++i];
                }
            } else {
                throw new UsageException("unknown option '" + name + "'");
            }
            if (values.put(name, value) != null)
                throw new UsageException(name + " is given twice");
        }
    }

    /** The words given besides the flags, in order. */
    List<String> positionals() {
        return positionals;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    String string(String name) {
        String v = values.get(name);
        if (v != null && v.isBlank())
            throw new UsageException(name + " must not be empty");
        return v;
    }

    /** A whole number from {@code min} to {@code max}; {@code dflt} when the flag is absent. */
    long number(String name, long dflt, long min, long max) {
        String v = values.get(name);
        if (v == null)
            return dflt;
        long n;
        try {
            n = Long.parseLong(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(name + " must be a whole number, was '" + v + "'");
        }
        if (n < min || n > max)
            throw new UsageException(name + " must be " + range(n, min, max) + ", was " + n);
        return n;
    }

    int intNumber(String name, int dflt, int min, int max) {
        return (int) number(name, dflt, min, max);
    }

    private static String range(long n, long min, long max) {
        if (max - min <= 1000)
            return "from " + min + " to " + max;
        if (n > max)
            return "at most " + max;
        return min == 1 ? "a positive number" : "at least " + min;
    }
}
