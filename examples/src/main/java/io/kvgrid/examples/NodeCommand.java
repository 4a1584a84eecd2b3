package io.kvgrid.examples;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridException;
import io.kvgrid.config.XmlConfigs;
import io.kvgrid.KvGridNode;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.IgnitionListener;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
        usage: kvgrid node [--config FILE.xml]

        Starts a kvgrid server node and runs until stopped (Ctrl-C or SIGTERM shut it down cleanly).

          --config FILE.xml   Ignite Spring XML configuration (default: embedded node on 127.0.0.1 with defaults;
                              -Dkvgrid.discovery.port=P through KVGRID_JAVA_OPTS picks its discovery port)
        """;

    private NodeCommand() {
    }

    /**
     * Runs a node until {@code stop} is counted down, or, when it is null, until the JVM is asked to shut down.
     * Returns 0 once the node has stopped cleanly.
     */
    static int run(String[] args, PrintStream out, PrintStream err, CountDownLatch stop) throws InterruptedException {
        CliArgs a = new CliArgs(args, Set.of("--config"), Set.of("--help"));
        if (a.flag("--help")) {
            out.print(USAGE);
            return 0;
        }
        String config = a.string("--config");
        if (config != null && !Files.isRegularFile(Path.of(config)))
            throw new UsageException("--config: no such file " + config);

        KvGridNode node = config == null ? startEmbedded() : startFromXml(Path.of(config));
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
            out.printf("kvgrid node %s started: %d server node(s) in the cluster, discovery %s; stop with Ctrl-C%n",
                node.consistentId(), ignite.cluster().forServers().nodes().size(),
                ignite.cluster().localNode().addresses());
            out.flush();
            done.await();
            out.println("kvgrid node " + node.consistentId() + " stopping");
            out.flush();
            node.close();
            return 0;
        } finally {
            Ignition.removeListener(lsnr);
            stopped.countDown();
        }
    }

    /** Default settings, but for a block region faulted in at start, as a serving node wants it. */
    private static KvGridConfiguration serving() {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setPreTouchRegion(true);
        return cfg;
    }

    /** Defaults of {@link KvGrid#startEmbedded()}, with Ignite's work directory under ./kvgrid-data. */
    static KvGridNode startEmbedded() {
        int port = Integer.getInteger("kvgrid.discovery.port", KvGrid.DEFAULT_DISCOVERY_PORT);
        IgniteConfiguration cfg = KvGrid.embeddedConfiguration("kvgrid-node-" + UUID.randomUUID().toString()
            .substring(0, 8), serving(), port);
        cfg.setWorkDirectory(Path.of("kvgrid-data", "work").toAbsolutePath().toString());
        return KvGrid.start(cfg);
    }

    /** Loads the Spring XML file (config-xml's loader); a file without the kvgrid plugin gets it with defaults. */
    static KvGridNode startFromXml(Path file) {
        IgniteConfiguration cfg;
        try {
            cfg = XmlConfigs.load(file.toAbsolutePath().toString());
        } catch (KvGridException e) {
            throw new UsageException("--config: " + e.getMessage());
        }
        if (XmlConfigs.kvgridConfiguration(cfg) == null)
            KvGrid.configure(cfg, new KvGridConfiguration());
        return KvGrid.start(cfg);
    }
}
