package io.kvgrid.examples;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.config.XmlConfigs;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.ignite.Ignite;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.logger.slf4j.Slf4jLogger;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What {@code kvgrid node} adds to a node's configuration before it starts: kvgrid's meters in a Prometheus registry
 * (besides any registry the configuration names), the {@code /metrics} and {@code /health} endpoint on
 * {@code metricsPort}, and Ignite's own log through SLF4J; once started, the one INFO line describing the node.
 */
final class NodeTelemetry implements AutoCloseable {
    static final Set<String> LEVELS = Set.of("trace", "debug", "info", "warn", "error", "off");
    private static final String LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    private final PrometheusMeterRegistry registry;
    private final MetricsServer server;

    private NodeTelemetry(PrometheusMeterRegistry registry, MetricsServer server) {
        this.registry = registry;
        this.server = server;
    }

    /**
     * Sets slf4j-simple's level, before the first logger is made: {@code level} when given, else the level a
     * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} chose, else info. Log lines carry their time.
     */
    static void logLevel(String level) {
        if (level != null) {
            if (!LEVELS.contains(level.toLowerCase(Locale.ROOT)))
                throw new UsageException("--log-level: must be one of trace, debug, info, warn, error, off; was '"
                    + level + "'");
            System.setProperty(LEVEL_PROPERTY, level.toLowerCase(Locale.ROOT));
        } else if (System.getProperty(LEVEL_PROPERTY) == null) {
            System.setProperty(LEVEL_PROPERTY, "info");
        }
        if (System.getProperty("org.slf4j.simpleLogger.showDateTime") == null) {
            System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
            System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
        }
    }

    /** Adds meters, the metrics endpoint (bound now: a taken port fails here) and Ignite's SLF4J log to {@code cfg}. */
    static NodeTelemetry prepare(IgniteConfiguration cfg) {
        KvGridConfiguration kv = XmlConfigs.kvgridConfiguration(cfg);
        PrometheusMeterRegistry prom = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(prom);
        new JvmThreadMetrics().bindTo(prom);
        new ProcessorMetrics().bindTo(prom);
        MeterRegistry own = kv.getMeterRegistry();
        kv.setMeterRegistry(own == null ? prom : new CompositeMeterRegistry(Clock.SYSTEM, List.of(own, prom)));
        KvGrid.configure(cfg, kv);
        if (cfg.getGridLogger() == null) {
            // Not quiet: Ignite's start-up banner and notes then go through the logger too, not to stdout, where
            // kvgrid node prints only its own lines.
            System.setProperty("IGNITE_QUIET", "false");
            cfg.setGridLogger(new Slf4jLogger());
        }
        MetricsServer server = kv.getMetricsPort() == 0 ? null
            : MetricsServer.bind(cfg.getLocalHost(), kv.getMetricsPort(), prom);
        return new NodeTelemetry(prom, server);
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The {@code /metrics} URL, or null when the endpoint is off. */
    String metricsUrl(Ignite ignite) {
        if (server == null)
            return null;
        List<String> addrs = new ArrayList<>(ignite.cluster().localNode().addresses());
        return server.url(addrs.isEmpty() ? "127.0.0.1" : addrs.get(0));
    }

    /** Serves {@code /health} for the started node and logs the one line that describes it. */
    void started(KvGridNode node, String thinClients) {
        Ignite ignite = node.ignite();
        if (server != null)
            server.serve(ignite);
        IgniteConfiguration cfg = ignite.configuration();
        Object discoveryPort = cfg.getDiscoverySpi() instanceof TcpDiscoverySpi t ? t.getLocalPort()
            : cfg.getDiscoverySpi().getClass().getSimpleName();
        Object commPort = null;
        for (var e : ignite.cluster().localNode().attributes().entrySet())
            if (e.getKey().endsWith("comm.tcp.port"))
                commPort = e.getValue();
        StringBuilder tiers = new StringBuilder();
        for (Gauge g : registry.find("kvgrid.tier.capacity.bytes").tag("node", node.consistentId()).gauges())
            tiers.append(tiers.isEmpty() ? "" : ", ").append(g.getId().getTag("tier")).append(' ')
                .append(TextTable.bytes((long) g.value()));
        String url = metricsUrl(ignite);
        LoggerFactory.getLogger(NodeTelemetry.class).info("kvgrid node {} started: addresses {}, discovery port {}, "
                + "communication port {}, thin clients {}, metrics {}, tiers [{}], {} server node(s) in the cluster",
            node.consistentId(), ignite.cluster().localNode().addresses(), discoveryPort, commPort,
            thinClients == null ? "off" : thinClients, url == null ? "off" : url + " (health: "
                + url.replace("/metrics", "/health") + ")", tiers, ignite.cluster().forServers().nodes().size());
    }

    @Override
    public void close() {
        if (server != null)
            server.close();
        registry.close();
    }

}
