package io.kvgrid.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The HTTP endpoint of {@code kvgrid node}: Prometheus text at {@code /metrics}, and {@code /health}: 200 with a small
 * JSON body while the node is in the topology and every tier has room to write, 503 with the same body otherwise.
 * Bound before the node starts, so a taken port fails the command before anything else happens.
 */
final class MetricsServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry registry;
    private volatile Supplier<Ignite> node = () -> null;

    private MetricsServer(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
    }

    /** Binds {@code host:port} (all interfaces when host is null or blank); INVALID_CONFIG when that fails. */
    static MetricsServer bind(String host, int port, PrometheusMeterRegistry registry) {
        InetSocketAddress at = host == null || host.isBlank() ? new InetSocketAddress(port)
            : new InetSocketAddress(host, port);
        HttpServer server;
        try {
            server = HttpServer.create(at, 16);
        } catch (BindException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "metricsPort", "cannot serve metrics on " + at
                + ": " + e.getMessage() + " (set metricsPort on KvGridConfiguration; 0 turns the endpoint off)");
        } catch (IOException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "metricsPort", "cannot serve metrics on " + at
                + ": " + e);
        }
        ExecutorService ex = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "kvgrid-metrics-http");
            t.setDaemon(true);
            return t;
        });
        MetricsServer s = new MetricsServer(server, ex, registry);
        server.createContext("/metrics", s::metrics);
        server.createContext("/health", s::health);
        server.setExecutor(ex);
        server.start();
        return s;
    }

    /** The node whose health {@code /health} reports, once it has started. */
    void serve(Ignite ignite) {
        node = () -> ignite;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** The {@code /metrics} URL, with the bound host (or {@code fallbackHost} when bound to every interface). */
    String url(String fallbackHost) {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? fallbackHost : a.getAddress().getHostAddress();
        return "http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort() + "/metrics";
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            send(ex, 405, "text/plain; charset=utf-8", "GET only\n");
            return;
        }
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }

    private void health(HttpExchange ex) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        boolean up = health(node.get(), body);
        body.put("status", up ? "UP" : "DOWN");
        send(ex, up ? 200 : 503, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    /** Fills {@code body}; true when the node is started, in the topology, and no tier is full. */
    private boolean health(Ignite ignite, ObjectNode body) {
        if (ignite == null || Ignition.state(ignite.name()) != IgniteState.STARTED) {
            body.put("reason", "node not started");
            return false;
        }
        String id;
        boolean inTopology;
        try {
            id = String.valueOf(ignite.cluster().localNode().consistentId());
            inTopology = ignite.cluster().nodes().contains(ignite.cluster().localNode())
                && ignite.cluster().state().active();
            body.put("node", id);
            body.put("servers", ignite.cluster().forServers().nodes().size());
        } catch (RuntimeException e) {
            body.put("reason", "node stopping: " + e.getMessage());
            return false;
        }
        boolean writable = true;
        ObjectNode tiers = body.putObject("tiers");
        for (Map.Entry<String, double[]> t : tierUse(id).entrySet()) {
            double used = t.getValue()[0];
            double cap = t.getValue()[1];
            boolean room = cap > 0 && used < cap;
            writable &= room;
            tiers.putObject(t.getKey()).put("usedBytes", (long) used).put("capacityBytes", (long) cap)
                .put("writable", room);
        }
        if (!inTopology)
            body.put("reason", "node not in an active topology");
        else if (!writable)
            body.put("reason", "a tier is full");
        return inTopology && writable;
    }

    /** Bytes used and capacity per tier of node {@code id}, from its {@code kvgrid.tier.*} gauges. */
    private Map<String, double[]> tierUse(String id) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (Gauge g : registry.find("kvgrid.tier.capacity.bytes").tag("node", id).gauges())
            out.computeIfAbsent(g.getId().getTag("tier"), t -> new double[2])[1] = g.value();
        for (Gauge g : registry.find("kvgrid.tier.bytes").tag("node", id).gauges())
            out.computeIfAbsent(g.getId().getTag("tier"), t -> new double[2])[0] = g.value();
        return out;
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            if (!head)
                os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
