package io.kvgrid.examples;

import io.kvgrid.testing.LoopbackPorts;
import io.kvgrid.testing.Payload;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** {@code kvgrid certs}, then a node from kvgrid-tls.xml started by {@code kvgrid node}, used by put and get. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TlsCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void certsWritesOwnerOnlyFilesAndPutGetRoundTripAFileThroughATlsNode() throws Exception {
        Path dir = tmp.resolve("tls");
        Traces.Run certs = Traces.cli("certs", "--out", dir.toString(), "--nodes", "2", "--clients",
            "admin,reader:read", "--days", "3");
        assertEquals(0, certs.code(), certs.err());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> all = files.toList();
            assertEquals(7, all.size(), all.toString());   // ca, node-0, node-1, admin, reader, truststore, passwords
            for (Path f : all)
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }
        assertTrue(Files.exists(dir.resolve("node-1.p12")) && Files.exists(dir.resolve("reader.p12")));
        Traces.Run again = Traces.cli("certs", "--out", dir.toString());
        assertEquals(2, again.code(), "existing keys are never overwritten");
        assertTrue(again.err().contains("--out"), again.err());

        int discovery = LoopbackPorts.freeRange(10);
        int thin = LoopbackPorts.freeRange(10);
        Map<String, String> props = Map.of("kvgrid.discovery.port", Integer.toString(discovery),
            "kvgrid.communication.port", Integer.toString(LoopbackPorts.freeRange(10)),
            "kvgrid.thin.port", Integer.toString(thin),
            "kvgrid.instance.name", "tls-cli-" + discovery,
            "kvgrid.partitions", "64",
            "kvgrid.data.region.bytes", Long.toString(64L << 20),
            "kvgrid.meta.region.bytes", Long.toString(32L << 20),
            "kvgrid.work.dir", tmp.resolve("work").toString());
        props.forEach(System::setProperty);
        CountDownLatch stop = new CountDownLatch(1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> node = ex.submit(() -> NodeCommand.run(new String[] {"--config", "kvgrid-tls.xml",
                "--tls-dir", dir.toString(), "--tls-node", "node-1"}, new PrintStream(out, true,
                StandardCharsets.UTF_8), System.err, stop));
            awaitStarted(node, out);
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("(TLS, client certificates required)"),
                out.toString(StandardCharsets.UTF_8));
            String hosts = "127.0.0.1:" + thin;

            Path file = tmp.resolve("block.bin");
            byte[] v = Payload.of("cli/tls", 250_000);
            Files.write(file, v);
            Traces.Run put = Traces.cli("put", "--connect", hosts, "--tls-dir", dir.toString(), "--client", "admin",
                "cli/tls", file.toString());
            assertEquals(0, put.code(), put.err());
            Path copy = tmp.resolve("copy.bin");
            Traces.Run get = Traces.cli("get", "--connect", hosts, "--tls-dir", dir.toString(), "--client", "admin",
                "cli/tls", copy.toString());
            assertEquals(0, get.code(), get.err());
            assertArrayEquals(v, Files.readAllBytes(copy));

            Traces.Run reader = Traces.cli("put", "--connect", hosts, "--tls-dir", dir.toString(), "--client",
                "reader", "cli/by-reader", file.toString());
            assertEquals(1, reader.code());
            assertTrue(reader.err().contains("FORBIDDEN [put]"), reader.err());
            Traces.Run plain = Traces.cli("get", "--connect", hosts, "cli/tls");
            assertEquals(2, plain.code());
            assertTrue(plain.err().contains("--tls-dir"), plain.err());
            Traces.Run unknown = Traces.cli("ls", "--connect", hosts, "--tls-dir", dir.toString(), "--client", "bob");
            assertEquals(2, unknown.code());
            assertTrue(unknown.err().contains("--client: no key store bob.p12"), unknown.err());
            Traces.Run ls = Traces.cli("ls", "--connect", hosts, "--tls-dir", dir.toString(), "--client", "reader");
            assertEquals("cli/tls", ls.out().strip(), "a reader lists, and the refused put stored nothing");

            stop.countDown();
            assertEquals(0, node.get(60, TimeUnit.SECONDS));
            assertTrue(Ignition.allGrids().stream().noneMatch(g -> g.name().equals("tls-cli-" + discovery)));
        } finally {
            stop.countDown();
            ex.shutdownNow();
            props.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    void aTlsNodeNeedsItsKeyStore() {
        Traces.Run run = Traces.cli("node", "--config", "kvgrid-tls.xml", "--tls-dir", tmp.toString());
        assertEquals(2, run.code());
        assertTrue(run.err().contains("--tls-node: no key store node-0.p12"), run.err());
    }

    private static void awaitStarted(Future<Integer> node, ByteArrayOutputStream out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (node.isDone())
                fail("the node command ended early: " + node.get() + " " + out.toString(StandardCharsets.UTF_8));
            if (out.toString(StandardCharsets.UTF_8).contains("serving thin clients"))
                return;
            Thread.sleep(50);
        }
        fail("the node did not start");
    }
}
