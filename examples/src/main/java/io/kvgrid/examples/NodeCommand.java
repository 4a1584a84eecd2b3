package io.kvgrid.examples;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.config.XmlConfigs;
import io.kvgrid.KvGridNode;
import io.kvgrid.grid.ThinClientGateway;
import io.kvgrid.tls.KvGridTls;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.IgnitionListener;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.failure.StopNodeOrHaltFailureHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code kvgrid node}: a server node that runs until stopped. Without a file it is an embedded node with default
 * settings (discovery on 127.0.0.1, port {@code kvgrid.discovery.port}, default 47500); with {@code --config} the
 * Spring XML file is loaded by Ignite (kvgrid's plugin is added from the classpath if the file does not name it).
 */
@Command(name = "node",
    customSynopsis = "kvgrid node [--config FILE.xml] [--tls-dir DIR [--tls-node NAME]] [--log-level LEVEL]",
    description = {"run a kvgrid server node until stopped", "",
        "Starts a kvgrid server node and runs until stopped (Ctrl-C or SIGTERM shut it down cleanly). Once started it "
            + "prints where it serves thin clients: the host:port that 'kvgrid put/get/ls/rm/stats --connect' takes."},
    footer = "The node serves Prometheus metrics at http://HOST:PORT/metrics and its health at /health (200 while it is "
        + "in the topology and its tiers have room, else 503): PORT is metricsPort of KvGridConfiguration (default "
        + "9464, 0 turns it off), HOST the node's localHost (every interface when it has none).")
final class NodeCommand implements Callable<Integer> {

    /** Restarts, at most, of a node that Ignite stopped by itself before {@code kvgrid node} gives up. */
    private static final int MAX_RESTARTS = 100;

    @Option(names = "--config", paramLabel = "FILE.xml", converter = Flags.NonEmpty.class,
        description = "Ignite Spring XML configuration: a file, or a shipped one by name (kvgrid-default.xml, "
            + "kvgrid-replicated.xml, kvgrid-ssd.xml, kvgrid-tiers.xml, kvgrid-jgroups.xml, kvgrid-tls.xml); default: "
            + "embedded node on "
            + "127.0.0.1 with defaults (-Dkvgrid.discovery.port=P through KVGRID_JAVA_OPTS picks its discovery port)")
    String config;
    @Option(names = "--tls-dir", paramLabel = "DIR", converter = Flags.NonEmpty.class,
        description = "certificates made by 'kvgrid certs': fills kvgrid-tls.xml's kvgrid.tls.dir; without --config, "
            + "the embedded node gets the same mutual TLS")
    String tlsDir;
    @Option(names = "--tls-node", paramLabel = "NAME", converter = Flags.NonEmpty.class,
        description = "this node's key store in DIR (default: node-0); each node of a cluster takes its own")
    String tlsNodeName;
    @Option(names = "--log-level", paramLabel = "LEVEL", converter = Flags.NonEmpty.class,
        description = "trace, debug, info (default), warn, error or off: kvgrid's and Ignite's log on stderr")
    String logLevel;

    private final PrintStream out;
    private final PrintStream err;

    NodeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws InterruptedException {
        return serve(null);
    }

    /**
     * Parses {@code args} as {@code kvgrid node} does and runs a node until {@code stop} is counted down, or, when it
     * is null, until the JVM is asked to shut down. Returns 0 once the node has stopped cleanly.
     */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) throws InterruptedException {
        NodeCommand node = new NodeCommand(out, err);
        KvGridCli.parser(node).parseArgs(args);
        return node.serve(stop);
    }

    /**
     * Runs a node until {@code stop} is counted down, or, when it is null, until the JVM is asked to shut down.
     * A node that Ignite stops by itself (it was dropped from the cluster while frozen or cut off, or a critical
     * failure) is started again from the same configuration, so it rejoins. Returns 0 once stopped cleanly.
     */
    private int serve(CountDownLatch stop) throws InterruptedException {
        String tlsNode = tlsNodeName != null ? tlsNodeName : "node-0";
        if (config != null && !Files.isRegularFile(Path.of(config))
            && NodeCommand.class.getClassLoader().getResource(config) == null)
            throw new UsageException("--config: no such file " + config + " (nor a shipped configuration such as "
                + "kvgrid-tls.xml)");
        if (tlsNodeName != null && tlsDir == null)
            throw new UsageException("--tls-node needs --tls-dir DIR (the directory 'kvgrid certs' wrote)");
        if (tlsDir != null && !Files.isDirectory(Path.of(tlsDir)))
            throw new UsageException("--tls-dir: no such directory " + tlsDir);
        if (tlsDir != null && !Files.isRegularFile(Path.of(tlsDir, tlsNode + ".p12")))
            throw new UsageException("--tls-node: no key store " + tlsNode + ".p12 in " + tlsDir);
        NodeTelemetry.logLevel(logLevel);

        Map<String, String> overrides = new HashMap<>();
        if (tlsDir != null) {
            overrides.put("kvgrid.tls.dir", Path.of(tlsDir).toAbsolutePath().toString());
            overrides.put("kvgrid.tls.node", tlsNode);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch done = stop == null ? new CountDownLatch(1) : stop;
        if (stop == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                done.countDown();
                try {
                    stopped.await(30, TimeUnit.SECONDS);   // let the main thread finish a clean stop
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "kvgrid-node-shutdown"));
        }
        try {
            for (int restarts = 0; ; restarts++) {
                IgniteConfiguration cfg = config == null
                    ? embeddedConfiguration(tlsDir == null ? null : Path.of(tlsDir), tlsNode)
                    : xmlConfiguration(config, overrides);
                if (!serveOnce(cfg, out, done))
                    return 0;
                if (restarts >= MAX_RESTARTS) {
                    err.println("kvgrid node: stopped by Ignite " + (restarts + 1) + " times; giving up");
                    return 1;
                }
                out.println("kvgrid node was stopped by Ignite (dropped from the cluster, or a critical failure); "
                    + "starting it again");
                out.flush();
                if (done.await(1, TimeUnit.SECONDS))
                    return 0;
            }
        } finally {
            stopped.countDown();
        }
    }

    /**
     * Starts a node from {@code cfg} and serves until {@code done} (returns false, the node closed) or until Ignite
     * stops the node by itself (returns true).
     */
    private static boolean serveOnce(IgniteConfiguration cfg, PrintStream out, CountDownLatch done)
        throws InterruptedException {
        // A node dropped from the cluster (frozen past the failure detection timeout) is stopped, not its JVM halted,
        // so that run() can start it again; a stop that hangs still halts after 30 s.
        cfg.setFailureHandler(new StopNodeOrHaltFailureHandler(true, 30_000));
        NodeTelemetry telemetry = NodeTelemetry.prepare(cfg);
        KvGridNode node;
        try {
            node = KvGrid.start(cfg);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
        Ignite ignite = node.ignite();
        CountDownLatch selfStopped = new CountDownLatch(1);
        IgnitionListener lsnr = (name, state) -> {
            if (Objects.equals(name, ignite.name()) && state != IgniteState.STARTED)
                selfStopped.countDown();
        };
        Ignition.addListener(lsnr);
        try {
            // One print, so that whoever waits for "started" finds the thin-client line with it.
            String endpoints = ThinClientGateway.endpoints(ignite);
            telemetry.started(node, endpoints);
            String metrics = telemetry.metricsUrl(ignite);
            out.print(String.format("kvgrid node %s started: %d server node(s) in the cluster, discovery %s; stop "
                    + "with Ctrl-C%n", node.consistentId(), ignite.cluster().forServers().nodes().size(),
                ignite.cluster().localNode().addresses())
                + (endpoints == null ? "kvgrid node " + node.consistentId() + " serves no thin clients (its client "
                    + "connector is disabled)" + System.lineSeparator()
                    : "kvgrid node " + node.consistentId() + " serving thin clients on " + endpoints
                    + (requiresClientCertificates(ignite) ? " (TLS, client certificates required)" : "")
                    + System.lineSeparator())
                + (metrics == null ? "" : "kvgrid node " + node.consistentId() + " serving metrics on " + metrics
                    + System.lineSeparator())
                + blockChannelLine(ignite, node.consistentId()));
            out.flush();
            while (!done.await(100, TimeUnit.MILLISECONDS)) {
                if (selfStopped.getCount() == 0) {
                    node.close();
                    return true;
                }
            }
            out.println("kvgrid node " + node.consistentId() + " stopping");
            out.flush();
            node.close();
            return false;
        } finally {
            telemetry.close();
            Ignition.removeListener(lsnr);
        }
    }

    private static boolean requiresClientCertificates(Ignite ignite) {
        var conn = ignite.configuration().getClientConnectorConfiguration();
        return conn != null && conn.isSslEnabled() && conn.isSslClientAuth();
    }

    /** Where the node serves the block channel (client nodes' and thin clients' reads), or nothing when it is off. */
    private static String blockChannelLine(Ignite ignite, Object id) {
        Object port = ignite.cluster().localNode().attribute(io.kvgrid.grid.BlockChannelServer.PORT_ATTRIBUTE);
        if (port == null)
            return "";
        String host = ignite.configuration().getLocalHost();
        return "kvgrid node " + id + " serving block reads on " + (host == null || host.isBlank() ? "*" : host) + ":"
            + port + System.lineSeparator();
    }

    /** Default settings, but for a block region faulted in at start, as a serving node wants it. */
    private static KvGridConfiguration serving() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setPreTouchRegion(true);
        return cfg;
    }

    /**
     * Defaults of {@link KvGrid#startEmbedded()}, with Ignite's work directory under ./kvgrid-data, and mutual TLS
     * from {@code tlsDir} when it is not null.
     */
    static IgniteConfiguration embeddedConfiguration(Path tlsDir, String tlsNode) {
        int port = Integer.getInteger("kvgrid.discovery.port", KvGrid.DEFAULT_DISCOVERY_PORT);
        IgniteConfiguration cfg = KvGrid.embeddedConfiguration("kvgrid-node-" + UUID.randomUUID().toString()
            .substring(0, 8), serving(), port);
        cfg.setWorkDirectory(Path.of("kvgrid-data", "work").toAbsolutePath().toString());
        cfg.setGridLogger(null);   // Ignite's log goes through SLF4J (NodeTelemetry), not KvGrid's NullLogger
        if (tlsDir != null)
            KvGridTls.applyToNode(cfg, tlsDir.toAbsolutePath(), tlsNode);
        return cfg;
    }

    /**
     * Loads a Spring XML file, or a shipped one by name (config-xml's loader), with {@code overrides} for its
     * placeholders; a file without the kvgrid plugin gets it with defaults.
     */
    static IgniteConfiguration xmlConfiguration(String config, Map<String, String> overrides) {
        IgniteConfiguration cfg;
        try {
            Path file = Path.of(config);
            cfg = XmlConfigs.load(Files.isRegularFile(file) ? file.toAbsolutePath().toString() : config, overrides);
        } catch (KvGridException e) {
            throw new UsageException(("tlsDir".equals(e.argument()) ? "--tls-dir: "
                : "tlsNode".equals(e.argument()) ? "--tls-node: " : "--config: ") + e.getMessage());
        }
        if (XmlConfigs.kvgridConfiguration(cfg) == null)
            KvGrid.configure(cfg, new KvGridConfiguration());
        return cfg;
    }
}
