package io.kvgrid.examples;

import io.kvgrid.KvGridException;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The {@code kvgrid} command: {@code replay} a KV-cache trace, {@code bench} the store against memcpy, plain Ignite
 * and Redis, run a server {@code node}, and reach a running cluster as a thin client ({@code put}, {@code get},
 * {@code ls}, {@code rm}, {@code stats}, {@code fill}, {@code check}).
 *
 * <pre>{@code
 * ./kvgrid replay --trace ../shared/traces/conversation_trace.jsonl --max-requests 2000 --json
 * ./kvgrid bench --quick
 * ./kvgrid node --config config-xml/kvgrid-node.xml
 * ./kvgrid stats --connect 127.0.0.1:10800
 * }</pre>
 *
 * Exit status: 0 success, 1 failure (including verification failures), 2 bad command line or a {@code --connect}
 * that reaches no kvgrid cluster. Errors are one line on stderr.
 */
public final class KvGridCli {
    static final String USAGE = """
        usage: kvgrid <command> [options]

        commands:
          replay   replay a Mooncake KV-cache trace against an embedded cluster and report hit rates and latencies
          bench    measure put/get throughput against memcpy, a plain Ignite cache and (if installed) Redis
          node     run a kvgrid server node until stopped
          certs    create a CA and TLS key stores for nodes and clients (kvgrid-tls.xml, --tls-dir)

        commands of a running cluster (--connect HOST:PORT[,HOST:PORT...], thin-client ports; with TLS also
        --tls-dir DIR --client NAME):
          put      store a file as a block
          get      write a block to a file or standard output
          ls       list keys, optionally matching a regex
          rm       remove a block
          stats    per-node blocks, memory, evictions, leases, pins and SSD tier use
          fill     write N blocks of seeded, verifiable bytes, recording each acknowledged one
          check    read back the blocks of 'fill' and verify every byte

        'kvgrid <command> --help' describes a command's options.
        """;

    private KvGridCli() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.console() != null);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String cmd = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        // kvgrid node logs at --log-level (default info); the other commands log warnings and errors only.
        if (!cmd.equals("node") && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null)
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        try {
            return switch (cmd) {
                case "replay" -> ReplayCommand.run(rest, out, err, terminal);
                case "bench" -> BenchCommand.run(rest, out, err, terminal);
                case "node" -> NodeCommand.run(rest, out, err, null);
                case "certs" -> CertsCommand.run(rest, out);
                default -> ClientCommands.run(cmd, rest, out, err);
            };
        } catch (UsageException e) {
            err.println("kvgrid " + (isCommand(cmd) ? cmd + ": " : "") + oneLine(e.getMessage())
                + (e.pointsToHelp() ? " (try 'kvgrid " + (isCommand(cmd) ? cmd + " " : "") + "--help')" : ""));
            return 2;
        } catch (Replayer.ReplayException | KvGridException | UncheckedIOException e) {
            err.println("kvgrid " + cmd + ": " + oneLine(e.getMessage()));
            return 1;
        } catch (Exception e) {
            err.println("kvgrid " + cmd + ": failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static boolean isCommand(String c) {
        return c.equals("replay") || c.equals("bench") || c.equals("node") || c.equals("certs") || ClientCommands.isCommand(c);
    }

    /** Errors are one line each: a message that spans lines (some of Ignite's do) is joined. */
    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
