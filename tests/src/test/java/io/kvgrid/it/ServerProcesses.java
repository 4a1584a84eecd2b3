package io.kvgrid.it;

import io.kvgrid.KvGrid;
import io.kvgrid.testing.LoopbackPorts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A cluster of {@link ServerProcess} JVMs on this test's own ports; closing it ends them (stdin closed, then kill). */
final class ServerProcesses implements AutoCloseable {
    private final int base = LoopbackPorts.freeRange(KvGrid.DISCOVERY_PORT_RANGE + KvGrid.THIN_CLIENT_PORT_RANGE);
    private final List<Process> processes = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();

    /** Starts {@code n} server processes, {@code extra} appended to each one's arguments (see ServerProcess). */
    static ServerProcesses start(int n, Path logs, long regionBytes, String name, String... extra) throws Exception {
        ServerProcesses s = new ServerProcesses();
        try {
            for (int i = 0; i < n; i++) {
                List<String> args = new ArrayList<>(List.of(String.valueOf(s.base),
                    String.valueOf(s.base + KvGrid.DISCOVERY_PORT_RANGE), String.valueOf(regionBytes), name + "-" + i));
                args.addAll(List.of(extra));
                Path log = logs.resolve(name + "-" + i + ".log");
                Process p = ChildJvm.start(ServerProcess.class, log, args.toArray(new String[0]));
                s.processes.add(p);
                s.addresses.add("127.0.0.1:" + awaitReady(p, log));
            }
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** {@code host:port,...} of every server's thin-client connector. */
    String hosts() {
        return String.join(",", addresses);
    }

    String address(int i) {
        return addresses.get(i);
    }

    /** True when every server process is still running. */
    boolean allAlive() {
        return processes.stream().allMatch(Process::isAlive);
    }

    private static String awaitReady(Process p, Path log) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = out.readLine()) != null)
            if (line.startsWith("READY "))
                return line.substring(6).trim();
        throw new AssertionError("server did not start, see " + log);
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes)
            p.getOutputStream().close();
        for (Process p : processes)
            if (!p.waitFor(20, TimeUnit.SECONDS))
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
