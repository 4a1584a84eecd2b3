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

/**
 * A cluster of {@link ServerProcess} JVMs on this test's own ports; closing it ends them (stdin closed, then kill).
 * Servers can be killed with SIGKILL, frozen with SIGSTOP and resumed, and restarted under the same name.
 */
final class ServerProcesses implements AutoCloseable {
    private final int base = LoopbackPorts.freeRange(KvGrid.DISCOVERY_PORT_RANGE + KvGrid.THIN_CLIENT_PORT_RANGE);
    private final List<Process> processes = new ArrayList<>();
    private final List<String> addresses = new ArrayList<>();
    private final List<List<String>> arguments = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private int starts;

    /** Starts {@code n} server processes, {@code extra} appended to each one's arguments (see ServerProcess). */
    static ServerProcesses start(int n, Path logs, long regionBytes, String name, String... extra) throws Exception {
        ServerProcesses s = new ServerProcesses();
        try {
            for (int i = 0; i < n; i++) {
                List<String> args = new ArrayList<>(List.of(String.valueOf(s.base),
                    String.valueOf(s.base + KvGrid.DISCOVERY_PORT_RANGE), String.valueOf(regionBytes), name + "-" + i));
                for (String e : extra)
                    args.add(e.replace("{i}", String.valueOf(i)));
                s.arguments.add(args);
                s.logs.add(logs);
                s.processes.add(null);
                s.addresses.add(null);
                s.launch(i);
            }
        } catch (Exception | AssertionError e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void launch(int i) throws IOException {
        Path log = logs.get(i).resolve(arguments.get(i).get(3) + "." + (starts++) + ".log");
        Process p = ChildJvm.start(ServerProcess.class, log, arguments.get(i).toArray(new String[0]));
        processes.set(i, p);
        addresses.set(i, "127.0.0.1:" + awaitReady(p, log));
    }

    /** {@code host:port,...} of every server's thin-client connector. */
    String hosts() {
        return String.join(",", addresses);
    }

    String address(int i) {
        return addresses.get(i);
    }

    /** The first discovery port of the servers (for a client node joining them). */
    int discoveryPort() {
        return base;
    }

    int size() {
        return processes.size();
    }

    /** True when every server process is still running. */
    boolean allAlive() {
        return processes.stream().allMatch(Process::isAlive);
    }

    boolean alive(int i) {
        return processes.get(i).isAlive();
    }

    /** kill -9 of server {@code i}; returns once the process is gone. */
    void kill(int i) throws InterruptedException {
        Process p = processes.get(i);
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS))
            throw new AssertionError("server " + i + " survived SIGKILL");
    }

    /** Starts server {@code i} again under its name and arguments (after {@link #kill}). */
    void restart(int i) throws IOException {
        if (processes.get(i).isAlive())
            throw new IllegalStateException("server " + i + " is running");
        launch(i);
    }

    /** Sends {@code signal} (STOP, CONT, ...) to server {@code i}. */
    void signal(int i, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(processes.get(i).pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
            throw new AssertionError("kill -" + signal + " failed");
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
            if (p != null) {
                if (p.isAlive())
                    new ProcessBuilder("kill", "-CONT", String.valueOf(p.pid())).start().waitFor();
                p.getOutputStream().close();
            }
        for (Process p : processes)
            if (p != null && !p.waitFor(20, TimeUnit.SECONDS))
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
