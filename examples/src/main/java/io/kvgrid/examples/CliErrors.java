package io.kvgrid.examples;

import io.kvgrid.KvGridException;
import picocli.CommandLine;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.OverwrittenOptionException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * How the {@code kvgrid} command reports what went wrong: one line on stderr, {@code kvgrid <command>: ...}. A bad
 * command line (picocli's {@link ParameterException}, or a {@link UsageException} from a command's own checks)
 * names the flag, points to {@code --help} and exits 2; a failure exits 1.
 */
final class CliErrors {
    private CliErrors() {
    }

    /** picocli's parameter exception handler: the message in kvgrid's words, exit 2. */
    static int badCommandLine(ParameterException e, String[] args) {
        CommandLine c = e.getCommandLine();
        return usage(c, message(e, c.getParent() == null), true);
    }

    /** picocli's execution exception handler: what a command threw. */
    static int failed(Exception e, CommandLine c, ParseResult parsed) {
        if (e instanceof UsageException u)
            return usage(c, u.getMessage(), u.pointsToHelp());
        PrintWriter err = c.getErr();
        String cmd = c.getCommandName();
        if (e instanceof Replayer.ReplayException || e instanceof KvGridException
            || e instanceof UncheckedIOException) {
            err.println("kvgrid " + cmd + ": " + oneLine(e.getMessage()));
        } else {
            err.println("kvgrid " + cmd + ": failed: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    private static int usage(CommandLine c, String message, boolean pointsToHelp) {
        String cmd = c.getParent() == null ? "" : c.getCommandName() + " ";
        PrintWriter err = c.getErr();
        err.println("kvgrid " + (cmd.isEmpty() ? "" : cmd.strip() + ": ") + oneLine(message)
            + (pointsToHelp ? " (try 'kvgrid " + cmd + "--help')" : ""));
        err.flush();
        return 2;
    }

    /** picocli's message in the words kvgrid's errors have always used, naming the flag. */
    static String message(ParameterException e, boolean topLevel) {
        if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String arg = u.getUnmatched().get(0);
            if (u.isUnknownOption())
                return "unknown option '" + (arg.indexOf('=') > 0 ? arg.substring(0, arg.indexOf('=')) : arg) + "'";
            if (topLevel) {
                List<String> like = u.getSuggestions();
                return "unknown command '" + arg + "'" + (like.isEmpty() ? "" : "; did you mean "
                    + String.join(" or ", like) + "?");
            }
            return "unexpected argument '" + arg + "'";
        }
        if (e instanceof OverwrittenOptionException o && o.getOverwritten() != null)
            return name(o.getOverwritten()) + " is given twice";
        if (e instanceof MissingParameterException m && m.getMissing() != null && !m.getMissing().isEmpty()) {
            ArgSpec a = m.getMissing().get(0);
            return a.isOption() ? name(a) + " needs a value" : name(a) + " is required";
        }
        if (e.getArgSpec() != null && e.getCause() instanceof TypeConversionException t) {
            ArgSpec a = e.getArgSpec();
            if (a.isOption() && (a.type() == boolean.class || a.type() == Boolean.class))
                return name(a) + " takes no value";
            return name(a) + " " + t.getMessage();
        }
        // kvgrid help NOSUCH: picocli's HelpCommand words it its own way.
        return String.valueOf(e.getMessage()).replaceFirst("^Unknown subcommand '(.*)'\\.$", "unknown command '$1'");
    }

    private static String name(ArgSpec a) {
        if (a instanceof OptionSpec o)
            return o.longestName();
        return ((PositionalParamSpec) a).paramLabel();
    }

    /** Errors are one line each: a message that spans lines (some of Ignite's do) is joined. */
    static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
