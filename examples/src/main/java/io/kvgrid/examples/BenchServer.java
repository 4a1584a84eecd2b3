package io.kvgrid.examples;

import io.kvgrid.KvGrid;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import io.kvgrid.tls.KvGridTls;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;

/**
 * A server process of {@code kvgrid bench} (started by {@link BenchJvms}, never by hand): a kvgrid node, a plain
 * Ignite baseline node, or the loopback sink. Prints {@code READY <port>} (thin-client port, or the sink's port) once
 * it serves, then runs until its standard input closes (the bench ended or died).
 *
 * <p>Arguments: {@code kvgrid|ignite|sink}, discovery port, thin-client (or sink) port, block region bytes, node name,
 * work directory, then optionally {@code tls=DIR} (kvgrid: serve thin clients over mutual TLS with the certificates
 * of a {@code kvgrid certs} directory).
 */
public final class BenchServer {
    private BenchServer() {
    }

    /** This server JVM's kvgrid meters: the bench reads the put steps its node took for client nodes' writes. */
    static final io.micrometer.core.instrument.simple.SimpleMeterRegistry METERS =
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    /** The put steps of this server JVM's node so far ({@link BenchPutSteps.Snapshot#steps}), run by the bench. */
    static final class PutSteps implements org.apache.ignite.lang.IgniteCallable<double[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public double[] call() {
            return BenchPutSteps.Snapshot.of(METERS).nanos();
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int discovery = Integer.parseInt(args[1]);
        int port = Integer.parseInt(args[2]);
        long region = Long.parseLong(args[3]);
        String name = args[4];
        String work = args[5];
        Path tls = args.length > 6 && args[6].startsWith("tls=") ? Path.of(args[6].substring(4)) : null;
        AutoCloseable server;
        int ready;
        switch (mode) {
            case "kvgrid" -> {
                KvGridConfiguration cfg = kvgridConfig(region);
                cfg.setMeterRegistry(METERS);
                KvGridNode node = KvGrid.start(tweak(KvGrid.embeddedConfiguration(name, cfg, discovery, port).setConsistentId(name).setWorkDirectory(work), tls, name));
                server = node;
                ready = (Integer) node.ignite().cluster().localNode().attribute("clientListenerPort");
            }
            case "ignite" -> {
                IgniteConfiguration cfg = BenchTargets.IgniteBaseline.configuration(name, discovery, region, false)
                    .setConsistentId(name).setWorkDirectory(work);
                Ignite ignite = Ignition.start(cfg);
                server = ignite;
                ready = port;
            }
            case "sink" -> {
                ServerSocket socket = new ServerSocket(port, 16, InetAddress.getLoopbackAddress());
                Thread t = new Thread(() -> sink(socket), "bench-sink");
                t.setDaemon(true);
                t.start();
                server = socket;
                ready = socket.getLocalPort();
            }
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.println("READY " + ready);
        System.out.flush();
        while (System.in.read() >= 0) {
            // the bench holds our stdin open while it wants us
        }
        server.close();
        System.exit(0);
    }

    /**
     * kvgrid's defaults, a block region of {@code region} bytes, pre-touched as {@code kvgrid node} does, and read
     * and write deadlines of 5 s and 10 s instead of 100 ms and 2 s: the bench runs up to five JVMs on what may be a
     * small shared machine, where a scheduling stall past the defaults would end the run instead of showing up in
     * p99. Deadlines cost nothing while operations meet them.
     */
    static KvGridConfiguration kvgridConfig(long region) {
        KvGridConfiguration cfg = new KvGridConfiguration();
        cfg.setDataRegionBytes(region);
        cfg.setPreTouchRegion(true);
        cfg.setReadDeadlineMillis(5_000);
        cfg.setWriteDeadlineMillis(10_000);
        return cfg;
    }

    private static IgniteConfiguration tweak(IgniteConfiguration cfg, Path tls, String name) {
        return tls == null ? cfg : KvGridTls.applyToNode(cfg, tls, "node-0");
    }

    /** Accepts streams; on each, reads messages (4-byte length, payload) and acknowledges each with one byte. */
    private static void sink(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread t = new Thread(() -> drain(s), "bench-sink-stream");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void drain(Socket s) {
        try (s; DataInputStream in = new DataInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            byte[] buf = new byte[1 << 20];
            while (true) {
                int len = in.readInt();
                for (int left = len; left > 0; ) {
                    int n = in.read(buf, 0, Math.min(left, buf.length));
                    if (n < 0)
                        return;
                    left -= n;
                }
                out.write(1);
                out.flush();
            }
        } catch (IOException e) {
            // the bench closed the stream
        }
    }
}
