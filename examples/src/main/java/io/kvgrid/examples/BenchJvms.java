package io.kvgrid.examples;

import io.kvgrid.KvGrid;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@link BenchServer} processes of one bench row group: the java binary, module flags and system properties of this
 * JVM, on 127.0.0.1, on a discovery and port range of their own, each with its own work directory. Closing it (or
 * this JVM exiting, through a shutdown hook) ends them: standard input closed, then killed after 10 s.
 */
final class BenchJvms implements AutoCloseable {
    /**
     * Heap of each server; blocks live off-heap, but a thin client's batchGet of 64 x 1 MiB makes the server build a
     * 64 MiB reply (several copies on its way through Ignite's marshaller), which ran a 1 GiB heap out of memory
     * ("Java heap space") after a few rounds. Committed and touched at start, as the bench JVM's own heap is
     * (jvm.options): otherwise every 1 MiB message a server allocates early in a row pays the kernel's first touch of
     * fresh heap pages, on the same two cores as the measurement.
     */
    static final List<String> SERVER_HEAP = List.of("-Xmx2g", "-Xms2g", "-XX:+AlwaysPreTouch");

    private final int discoveryPort = LocalCluster.freePortRange();
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final Path workDir;
    private final Thread hook = new Thread(this::destroy, "kvgrid-bench-servers-exit");

    private BenchJvms() throws IOException {
        workDir = Files.createTempDirectory("kvgrid-bench-servers-");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code n} servers of {@code mode} (kvgrid, ignite, sink) with {@code regionBytes} block regions and
     * {@code extra} arguments; returns once each printed READY (2 minutes at most each).
     */
    static BenchJvms start(String mode, int n, long regionBytes, String... extra) throws IOException {
        BenchJvms j = new BenchJvms();
        try {
            for (int i = 0; i < n; i++)
                j.launch(mode, i, regionBytes, extra);
        } catch (IOException | RuntimeException e) {
            j.close();
            throw e;
        }
        return j;
    }

    private void launch(String mode, int i, long regionBytes, String... extra) throws IOException {
        String name = "bench-" + mode + "-" + discoveryPort + "-" + i;
        Path work = Files.createDirectories(workDir.resolve(name));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-") || a.startsWith("-D") || a.startsWith("-XX:MaxDirectMemorySize")
                || a.startsWith("-XX:G1HeapRegionSize") || a.equals("-XX:+UseG1GC"))
                cmd.add(a);
        cmd.addAll(SERVER_HEAP);
        cmd.addAll(serverOptions(name));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchServer.class.getName());
        cmd.addAll(List.of(mode, String.valueOf(discoveryPort),
            String.valueOf(discoveryPort + KvGrid.DISCOVERY_PORT_RANGE), String.valueOf(regionBytes), name,
            work.toString()));
        cmd.addAll(List.of(extra));
        Path log = workDir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        processes.add(p);
        ports.add(awaitReady(p, log));
        // Whatever the server prints later must not fill the pipe and stall it.
        Thread drain = new Thread(() -> {
            try (var in = p.getInputStream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException ignored) {
                // the server ended
            }
        }, "kvgrid-bench-server-out");
        drain.setDaemon(true);
        drain.start();
    }

    /**
     * Extra JVM options of every bench server, from {@code KVGRID_BENCH_SERVER_OPTS} (space-separated), with
     * {@code {name}} replaced by the server's name: to profile the servers a row talks to, e.g.
     * {@code -XX:StartFlightRecording=filename=/tmp/{name}.jfr,settings=profile}.
     */
    static List<String> serverOptions(String name) {
        String opts = System.getenv("KVGRID_BENCH_SERVER_OPTS");
        if (opts == null || opts.isBlank())
            return List.of();
        return Stream.of(opts.trim().split("\\s+")).map(o -> o.replace("{name}", name)).toList();
    }

    /** Scratch directory of this group (deleted on close): for a client node's Ignite work files. */
    Path workDir() {
        return workDir;
    }

    private static int awaitReady(Process p, Path log) throws IOException {
        // Unbuffered beyond the READY line: the drain thread takes over the stream afterwards.
        var r = new java.io.DataInputStream(p.getInputStream());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                p.destroyForcibly();
            } catch (InterruptedException ignored) {
                // READY came in time
            }
        }, "kvgrid-bench-server-start");
        timer.setDaemon(true);
        timer.start();
        try {
            StringBuilder line = new StringBuilder();
            for (int c; (c = r.read()) >= 0; ) {
                if (c != '\n') {
                    line.append((char) c);
                    continue;
                }
                if (line.toString().startsWith("READY "))
                    return Integer.parseInt(line.substring(6).trim());
                line.setLength(0);
            }
        } finally {
            timer.interrupt();
        }
        String tail = Files.exists(log) ? Files.readString(log) : "";
        throw new IOException("bench server did not start (exit " + (p.isAlive() ? "none" : p.exitValue()) + "): "
            + tail.substring(Math.max(0, tail.length() - 2_000)));
    }

    /** The first discovery port of the servers (for a client node joining them). */
    int discoveryPort() {
        return discoveryPort;
    }

    /** {@code host:port,...} of every server's READY port. */
    String hosts() {
        return String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    }

    int port(int i) {
        return ports.get(i);
    }

    int size() {
        return processes.size();
    }

    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is exiting: the hook runs destroy() anyway
        }
        try (Stream<Path> files = Files.walk(workDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory: the OS cleans up what is left
        }
    }

    private synchronized void destroy() {
        for (Process p : processes)
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // already gone
            }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS))
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
