package io.kvgrid.grid;

import io.kvgrid.KvGridNode;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.marshaller.MarshallerContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code META-INF/kvgrid.classnames.properties}: every kvgrid class sent in Ignite messages is listed, and a node maps
 * the listed names locally (so a client node's first read through Ignite does not wait on a discovery round trip that
 * a stalled node holds up; StalledNodeTest saw 7-9 s reads without it).
 */
@Timeout(120)
class ClassNamesFileTest {
    /** Serializable classes that never travel in cache or compute messages: configuration, errors, security. */
    private static final Set<String> NOT_SENT = Set.of(
        "io.kvgrid.grid.KvGridAffinity",                 // cache configuration, sent when a cache starts
        "io.kvgrid.grid.StoreService",                   // service configuration
        "io.kvgrid.tls.KvGridSslContextFactory",         // node configuration
        "io.kvgrid.grid.KvGridSecurityProcessor$Context",
        "io.kvgrid.grid.KvGridSecurityProcessor$Subject",
        "io.kvgrid.grid.BlockChannelWire$BadFrame",      // the block channel's own, never Ignite's
        "io.kvgrid.grid.ScanFilters$RegexTimeout");      // caught on the node that throws it

    /** Sent, though not Serializable (Ignite's binary format writes it): entry processors' results. */
    private static final Set<String> ALSO_SENT = Set.of("io.kvgrid.grid.MetaOps$Result");

    private static List<String> listed() throws IOException {
        try (InputStream in = ClassNamesFileTest.class.getResourceAsStream("/META-INF/kvgrid.classnames.properties")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        }
    }

    /** The Serializable classes of the main code (grid-extension's compiled classes). */
    private static Set<String> serializableClasses() throws IOException, URISyntaxException {
        Path root = Path.of(KvGridAffinity.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String f = root.relativize(p).toString().replace('\\', '/');
                if (!f.endsWith(".class") || !f.startsWith("io/kvgrid/"))
                    continue;
                String name = f.substring(0, f.length() - ".class".length()).replace('/', '.');
                try {
                    Class<?> c = Class.forName(name, false, ClassNamesFileTest.class.getClassLoader());
                    if (Serializable.class.isAssignableFrom(c) && !c.isInterface() && !c.isAnonymousClass())
                        out.add(name);
                } catch (ClassNotFoundException | LinkageError e) {
                    // a class needing an optional dependency: not one Ignite sends
                }
            }
        }
        return out;
    }

    @Test
    void everyKvgridClassSentInIgniteMessagesIsListed() throws Exception {
        Set<String> expected = serializableClasses();
        expected.removeAll(NOT_SENT);
        expected.addAll(ALSO_SENT);
        assertTrue(expected.contains("io.kvgrid.grid.MetaOps$Touch"), "the scan found the classes: " + expected);
        assertEquals(expected, new TreeSet<>(listed()), "META-INF/kvgrid.classnames.properties");
    }

    @Test
    void aNodeMapsTheListedNamesWithoutAskingTheCluster() throws Exception {
        try (TestCluster cluster = GridTests.cluster(1, TestCluster.smallConfig())) {
            KvGridNode n = cluster.node(0);
            MarshallerContext ctx = ((IgniteEx) n.ignite()).context().marshallerContext();
            for (String name : listed())
                assertTrue(ctx.isSystemType(name), name + " is mapped locally");
        }
    }
}
