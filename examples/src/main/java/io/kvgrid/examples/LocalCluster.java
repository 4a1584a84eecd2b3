package io.kvgrid.examples;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Server nodes in this JVM on 127.0.0.1, on a discovery port range of their own (so two commands, or a command and a
 * test run, never join each other). Closing it stops the nodes, last first.
 */
final class LocalCluster implements AutoCloseable {
    private final List<Ignite> nodes = new ArrayList<>();
    private final List<KvGridNode> kvNodes = new ArrayList<>();
    /** Ignite's work directory (marshaller mappings, diagnostics) for this cluster alone, deleted on close. */
    private final Path workDir;

    private LocalCluster() {
        try {
            workDir = Files.createTempDirectory("kvgrid-work-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code n} kvgrid nodes with {@code cfg}. */
    static LocalCluster kvgrid(int n, KvGridConfiguration cfg) {
        return kvgrid(n, cfg, java.util.function.UnaryOperator.identity());
    }

    /** {@code n} kvgrid nodes with {@code cfg}, each node's Ignite configuration passed through {@code tweak}. */
    static LocalCluster kvgrid(int n, KvGridConfiguration cfg, java.util.function.UnaryOperator<IgniteConfiguration> tweak) {
        int port = freePortRange();
        LocalCluster c = new LocalCluster();
        try {
            for (int i = 0; i < n; i++) {
                KvGridNode node = KvGrid.start(tweak.apply(KvGrid.embeddedConfiguration("kvgrid-" + port + "-" + i,
                    cfg, port).setWorkDirectory(c.workDir.toString())));
                c.kvNodes.add(node);
                c.nodes.add(node.ignite());
            }
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** {@code n} plain Ignite nodes; {@code config} gets the node index and the discovery port. */
    static LocalCluster ignite(int n, ConfigFactory config) {
        int port = freePortRange();
        LocalCluster c = new LocalCluster();
        try {
            for (int i = 0; i < n; i++)
                c.nodes.add(Ignition.start(config.create(i, port).setWorkDirectory(c.workDir.toString())));
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Builds the configuration of node {@code index} of a cluster discovering on {@code port}. */
    @FunctionalInterface
    interface ConfigFactory {
        IgniteConfiguration create(int index, int port);
    }

    Ignite ignite(int i) {
        return nodes.get(i);
    }

    KvGridNode node(int i) {
        return kvNodes.get(i);
    }

    List<KvGridNode> kvNodes() {
        return kvNodes;
    }

    int size() {
        return nodes.size();
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            try {
                nodes.get(i).close();
            } catch (RuntimeException ignored) {
                // already stopping
            }
        }
        nodes.clear();
        kvNodes.clear();
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the OS cleans up what is left
        }
    }

    /** First port of {@link KvGrid#DISCOVERY_PORT_RANGE} consecutive free ports on 127.0.0.1. */
    static int freePortRange() {
        for (int attempt = 0; attempt < 200; attempt++) {
            // Below Linux's ephemeral range (32768+) and Ignite's default ports (47100+, 47500+).
            int p = 21000 + KvGrid.DISCOVERY_PORT_RANGE * ThreadLocalRandom.current().nextInt(1100);
            boolean free = true;
            for (int q = p; q < p + KvGrid.DISCOVERY_PORT_RANGE && free; q++)
                free = isFree(q);
            if (free)
                return p;
        }
        throw new IllegalStateException("no free range of " + KvGrid.DISCOVERY_PORT_RANGE + " ports on 127.0.0.1");
    }

    static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
