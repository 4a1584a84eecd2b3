package io.kvgrid.examples;

import picocli.CommandLine.Help;

import java.util.Map;

/**
 * The command list of {@code kvgrid --help}: the commands that run here apart from those of a running cluster, which
 * share the connection flags. Each line is a command's name and the first line of its description.
 */
final class CommandList {
    private CommandList() {
    }

    static String render(Help help) {
        Map<String, Help> subs = help.subcommands();
        int width = subs.keySet().stream().mapToInt(String::length).max().orElse(0);
        StringBuilder local = new StringBuilder(String.format("%ncommands:%n"));
        StringBuilder client = new StringBuilder(String.format("%ncommands of a running cluster (--connect "
            + "HOST:PORT[,HOST:PORT...], thin-client ports; with TLS also%n--tls-dir DIR --client NAME):%n"));
        for (Map.Entry<String, Help> e : subs.entrySet()) {
            var usage = e.getValue().commandSpec().usageMessage();
            String summary = usage.header().length > 0 ? usage.header()[0]
                : usage.description().length > 0 ? usage.description()[0] : "";
            (KvGridCli.CLIENT_COMMANDS.contains(e.getKey()) ? client : local)
                .append(String.format("  %-" + width + "s  %s%n", e.getKey(), summary));
        }
        return local.append(client).toString();
    }
}
