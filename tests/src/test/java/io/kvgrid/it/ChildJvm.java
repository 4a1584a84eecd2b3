package io.kvgrid.it;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Starts a real separate JVM on this test's classpath and JVM flags, for crash tests (kill -9). */
final class ChildJvm {
    private ChildJvm() {
    }

    static Process start(Class<?> main, Path log, String... args) throws IOException {
        return start(main, log, List.of(), args);
    }

    /** {@link #start(Class, Path, String...)} with extra JVM options ({@code -Dname=value}, ...). */
    static Process start(Class<?> main, Path log, List<String> jvmOptions, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (a.startsWith("--add-") || a.startsWith("-D"))
                cmd.add(a);
        cmd.add("-Xmx512m");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    }
}
