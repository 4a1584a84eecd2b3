package io.kvgrid.examples;

import io.kvgrid.KvGridException;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code kvgrid} command: {@code replay} a KV-cache trace, {@code bench} the store against memcpy, plain Ignite
 * and Redis, run a server {@code node}.
 *
 * <pre>{@code
 * ./kvgrid replay --trace ../shared/traces/conversation_trace.jsonl --max-requests 2000 --json
 * ./kvgrid bench --quick
 * ./kvgrid node --config config-xml/kvgrid-node.xml
 * }</pre>
 *
 * Exit status: 0 success, 1 failure (including verification failures), 2 bad command line.
 */
public final class KvGridCli {
    static final String USAGE = """
        usage: kvgrid <command> [options]

        commands:
          replay   replay a Mooncake KV-cache trace against an embedded cluster and report hit rates and latencies
          bench    measure put/get throughput against memcpy, a plain Ignite cache and (if installed) Redis
          node     run a kvgrid server node until stopped

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
        try {
            return switch (cmd) {
                case "replay" -> ReplayCommand.run(rest, out, err, terminal);
                case "bench" -> BenchCommand.run(rest, out, err);
                case "node" -> NodeCommand.run(rest, out, err, null);
                default -> throw new UsageException("unknown command '" + cmd + "'");
            };
        } catch (UsageException e) {
            err.println("kvgrid " + (isCommand(cmd) ? cmd + ": " : "") + e.getMessage());
            err.println("try 'kvgrid " + (isCommand(cmd) ? cmd + " " : "") + "--help'");
            return 2;
        } catch (Replayer.ReplayException | KvGridException e) {
            err.println("kvgrid " + cmd + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("kvgrid " + cmd + ": failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static boolean isCommand(String c) {
        return c.equals("replay") || c.equals("bench") || c.equals("node");
    }
}
