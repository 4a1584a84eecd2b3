package io.kvgrid.examples;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.config.XmlConfigs;
import io.kvgrid.KvGridNode;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.IgnitionListener;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code kvgrid node}: a server node that runs until stopped. Without a file it is an embedded node with default
 * settings (discovery on 127.0.0.1, port {@code kvgrid.discovery.port}, default 47500); with {@code --config} the
 * Spring XML file is loaded by Ignite (kvgrid's plugin is added from the classpath if the file does not name it).
 */
final class NodeCommand {
    static final String USAGE = """
        usage: kvgrid node [--config FILE.xml] [--log-level LEVEL]

        Starts a kvgrid server node and runs until stopped (Ctrl-C or SIGTERM shut it down cleanly). Once started
        it prints where it serves thin clients: the host:port that 'kvgrid put/get/ls/rm/stats --connect' takes.

          --config FILE.xml   Ignite Spring XML configuration (default: embedded node on 127.0.0.1 with defaults;
                              -Dkvgrid.discovery.port=P through KVGRID_JAVA_OPTS picks its discovery port)
          --log-level LEVEL   trace, debug, info (default), warn, error or off: kvgrid's and Ignite's log on stderr

        The node serves Prometheus metrics at http://HOST:PORT/metrics and its health at /health (200 while it is
        in the topology and its tiers have room, else 503): PORT is metricsPort of KvGridConfiguration (default
        9464, 0 turns it off), HOST the node's localHost (every interface when it has none).
        """;

    /** Ignite's node attribute holding the bound thin-client port (ClientListenerProcessor.CLIENT_LISTENER_PORT). */
    private static final String CLIENT_PORT_ATTR = "clientListenerPort";

    private NodeCommand() {
    }

    /**
     * Runs a node until {@code stop} is counted down, or, when it is null, until the JVM is asked to shut down.
     * Returns 0 once the node has stopped cleanly.
     */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) throws InterruptedException {
        CliArgs a = new CliArgs(args, Set.of("--config", "--log-level"), Set.of("--help"));
        if (a.flag("--help")) {
            out.print(USAGE);
            return 0;
        }
        String config = a.string("--config");
        if (config != null && !Files.isRegularFile(Path.of(config)))
            throw new UsageException("--config: no such file " + config);

        NodeTelemetry.logLevel(a.string("--log-level"));

        IgniteConfiguration cfg = config == null ? embeddedConfiguration() : xmlConfiguration(Path.of(config));
        NodeTelemetry telemetry = NodeTelemetry.prepare(cfg);
        KvGridNode node;
        try {
            node = KvGrid.start(cfg);
        } catch (RuntimeException e) {
            telemetry.close();
            throw e;
        }
        Ignite ignite = node.ignite();
        CountDownLatch stopped = new CountDownLatch(1);
        CountDownLatch done = stop == null ? new CountDownLatch(1) : stop;
        IgnitionListener lsnr = (name, state) -> {
            if (Objects.equals(name, ignite.name()) && state != IgniteState.STARTED)
                done.countDown();   // stopped by Ignite itself (failure, segmentation)
        };
        Ignition.addListener(lsnr);
        Thread hook = null;
        if (stop == null) {
            hook = new Thread(() -> {
                done.countDown();
                try {
                    stopped.await(30, TimeUnit.SECONDS);   // let the main thread finish a clean stop
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "kvgrid-node-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        try {
            // One print, so that whoever waits for "started" finds the thin-client line with it.
            String endpoints = thinClientEndpoints(ignite);
            telemetry.started(node, endpoints);
            String metrics = telemetry.metricsUrl(ignite);
            out.print(String.format("kvgrid node %s started: %d server node(s) in the cluster, discovery %s; stop "
                    + "with Ctrl-C%n", node.consistentId(), ignite.cluster().forServers().nodes().size(),
                ignite.cluster().localNode().addresses())
                + (endpoints == null ? "kvgrid node " + node.consistentId() + " serves no thin clients (its client "
                    + "connector is disabled)" + System.lineSeparator()
                    : "kvgrid node " + node.consistentId() + " serving thin clients on " + endpoints
                    + System.lineSeparator())
                + (metrics == null ? "" : "kvgrid node " + node.consistentId() + " serving metrics on " + metrics
                    + System.lineSeparator()));
            out.flush();
            done.await();
            out.println("kvgrid node " + node.consistentId() + " stopping");
            out.flush();
            node.close();
            return 0;
        } finally {
            telemetry.close();
            Ignition.removeListener(lsnr);
            stopped.countDown();
        }
    }

    /**
     * Where this node serves thin clients, as {@code host:port[,host:port...]} for {@code --connect}: the port the
     * node bound (Ignite's node attribute {@code clientListenerPort}) on the connector's host, else the node's local
     * host, else (bound to every interface) each of the node's addresses. Null when the connector is disabled.
     */
    static String thinClientEndpoints(Ignite ignite) {
        ClusterNode local = ignite.cluster().localNode();
        Object port = local.attribute(CLIENT_PORT_ATTR);
        if (port == null)
            return null;
        IgniteConfiguration cfg = ignite.configuration();
        String host = cfg.getClientConnectorConfiguration() == null ? null
            : cfg.getClientConnectorConfiguration().getHost();
        if (host == null || host.isBlank())
            host = cfg.getLocalHost();
        Collection<String> hosts = host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::")
            ? local.addresses() : List.of(host);
        List<String> out = new ArrayList<>();
        for (String h : hosts)
            out.add((h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port);
        return String.join(",", out);
    }

    /** Default settings, but for a block region faulted in at start, as a serving node wants it. */
    private static KvGridConfiguration serving() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setPreTouchRegion(true);
        return cfg;
    }

    /** Defaults of {@link KvGrid#startEmbedded()}, with Ignite's work directory under ./kvgrid-data. */
    static IgniteConfiguration embeddedConfiguration() {
        int port = Integer.getInteger("kvgrid.discovery.port", KvGrid.DEFAULT_DISCOVERY_PORT);
        IgniteConfiguration cfg = KvGrid.embeddedConfiguration("kvgrid-node-" + UUID.randomUUID().toString()
            .substring(0, 8), serving(), port);
        cfg.setWorkDirectory(Path.of("kvgrid-data", "work").toAbsolutePath().toString());
        cfg.setGridLogger(null);   // Ignite's log goes through SLF4J (NodeTelemetry), not KvGrid's NullLogger
        return cfg;
    }

    /** Loads the Spring XML file (config-xml's loader); a file without the kvgrid plugin gets it with defaults. */
    static IgniteConfiguration xmlConfiguration(Path file) {
        IgniteConfiguration cfg;
        try {
            cfg = XmlConfigs.load(file.toAbsolutePath().toString());
        } catch (KvGridException e) {
            throw new UsageException("--config: " + e.getMessage());
        }
        if (XmlConfigs.kvgridConfiguration(cfg) == null)
            KvGrid.configure(cfg, new KvGridConfiguration());
        return cfg;
    }
}
