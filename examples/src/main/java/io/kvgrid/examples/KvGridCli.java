package io.kvgrid.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The {@code kvgrid} command: {@code replay} a KV-cache trace, {@code bench} the store against memcpy, plain Ignite
 * and Redis, run a server {@code node}, and reach a running cluster as a thin client ({@code put}, {@code get},
 * {@code ls}, {@code rm}, {@code stats}, {@code fill}, {@code check}). picocli parses the flags and writes the usage
 * text, the errors ({@link CliErrors}) and the bash completion script ({@code kvgrid completion}).
 *
 * <pre>{@code
 * ./kvgrid replay --trace ../shared/traces/conversation_trace.jsonl --max-requests 2000 --json
 * ./kvgrid bench --quick
 * ./kvgrid node --config config-xml/kvgrid-node.xml
 * ./kvgrid stats --connect 127.0.0.1:10800
 * source <(./kvgrid completion)
 * }</pre>
 *
 * Exit status: 0 success, 1 failure (including verification failures), 2 bad command line or a {@code --connect}
 * that reaches no kvgrid cluster. Errors are one line on stderr.
 */
@Command(name = "kvgrid", customSynopsis = "kvgrid <command> [options]",
    description = "A distributed, tiered store for LLM KV-cache blocks: its benchmarks, a server node, and the "
        + "commands of a running cluster.",
    footer = "'kvgrid <command> --help' describes a command's options.")
public final class KvGridCli implements Callable<Integer> {
    /** Commands of a running cluster; the command list shows them apart from the others. */
    static final Set<String> CLIENT_COMMANDS = Set.of("put", "get", "ls", "rm", "stats", "fill", "check");
    private static final int WIDTH = 112;

    @CommandLine.Spec
    private CommandSpec spec;

    private KvGridCli() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.console() != null);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        CommandLine cl = commandLine(out, err, terminal);
        try {
            return cl.execute(args);
        } finally {
            cl.getOut().flush();
            cl.getErr().flush();
        }
    }

    /** {@code kvgrid} and its subcommands, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err, boolean terminal) {
        CommandLine cl = parser(new KvGridCli());
        for (Object sub : List.of(new ReplayCommand(out, err, terminal), new BenchCommand(out, err, terminal),
            new NodeCommand(out, err), new CertsCommand(out), new CompletionCommand(out),
            new CommandLine.HelpCommand(),
            new ClientCommands.Put(out), new ClientCommands.Get(out), new ClientCommands.Ls(out),
            new ClientCommands.Rm(out), new ClientCommands.Stats(out), new FillCheck.Fill(out),
            new FillCheck.Check(out, err)))
            cl.addSubcommand(parser(sub));
        cl.getSubcommands().get("help").getCommandSpec().usageMessage()
            .header("print the usage text of a command: kvgrid help COMMAND");
        style(cl);
        cl.getCommandSpec().usageMessage().commandListHeading("");
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
            CommandList::render);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler(CliErrors::badCommandLine);
        cl.setExecutionExceptionHandler(CliErrors::failed);
        cl.setExecutionStrategy(pr -> {
            // kvgrid node logs at --log-level (default info); the other commands log warnings and errors only.
            boolean node = pr.subcommand() != null && pr.subcommand().commandSpec().name().equals("node");
            if (!node && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null)
                System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            return new CommandLine.RunLast().execute(pr);
        });
        return cl;
    }

    /**
     * A command line for one command object, as kvgrid parses it: {@code --help}, underscores in numbers, no
     * {@code @file} expansion (a key may start with {@code @}), no abbreviated flags.
     */
    static CommandLine parser(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.registerConverter(Long.class, new Flags.WholeNumber());
        cl.setExpandAtFiles(false);
        if (!(command instanceof CommandLine.HelpCommand))
            cl.getCommandSpec().addOption(OptionSpec.builder("--help").usageHelp(true)
                .description("print this help and exit").build());
        return cl;
    }

    /** The usage layout of every command: 'usage: ', sections apart, options in the order they are declared. */
    private static void style(CommandLine cl) {
        cl.setUsageHelpWidth(WIDTH);
        cl.setUsageHelpLongOptionsMaxWidth(24);
        for (CommandLine c : allOf(cl)) {
            CommandSpec spec = c.getCommandSpec();
            spec.usageMessage().sortOptions(false).synopsisHeading("usage: ").descriptionHeading("%n")
                .parameterListHeading("%n").optionListHeading("%n").footerHeading("%n");
        }
    }

    private static List<CommandLine> allOf(CommandLine cl) {
        List<CommandLine> all = new ArrayList<>(List.of(cl));
        all.addAll(cl.getSubcommands().values());
        return all;
    }

    /** {@code kvgrid} alone prints the usage text on stderr and exits 2, as any other incomplete command line. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }
}
