package io.kvgrid.examples;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where {@code kvgrid bench} writes its step lines ({@code bench: kvgrid put 64 KiB on 2 nodes}). On a terminal they
 * drive a {@link ProgressBar}: steps done of the run's total, the current step, and the elapsed time, redrawn each
 * second; elsewhere they pass through as plain lines, as before.
 */
final class BenchProgress extends OutputStream {
    private final ProgressBar bar;
    private final ScheduledExecutorService clock;
    private final StringBuilder line = new StringBuilder();
    private long steps;

    private BenchProgress(PrintStream err, long totalSteps) {
        this.bar = new ProgressBar(err, totalSteps);
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kvgrid-bench-progress");
            t.setDaemon(true);
            return t;
        });
        clock.scheduleAtFixedRate(bar::tick, 1, 1, TimeUnit.SECONDS);
    }

    /** The stream to log steps to: a progress bar on a terminal, {@code err} itself otherwise. */
    static PrintStream of(PrintStream err, boolean terminal, long totalSteps) {
        return terminal ? new PrintStream(new BenchProgress(err, totalSteps), true, StandardCharsets.UTF_8) : err;
    }

    /**
     * Steps of a run, as BenchCommand runs them: memcpy (2 per block size), the loopback streams (2), kvgrid (4 per block
     * size and a lookup) and the baseline (3 per block size) per cluster size, put and put-full, the thin client (4
     * per block size) and over TLS (4), Redis (4 per block size), the GPU rows where there is a CUDA device (4 per
     * copy size and 2 loads), then the SSD tier.
     */
    static long steps(BenchSettings s, boolean redis) {
        return steps(s, redis, java.util.Set.copyOf(BenchCommand.GROUPS));
    }

    /** {@link #steps(BenchSettings, boolean)} of the row groups in {@code groups} only ({@code kvgrid bench --only}). */
    static long steps(BenchSettings s, boolean redis, java.util.Set<String> groups) {
        int sizes = BenchSettings.BLOCK_SIZES.size();
        long n = 0;
        if (groups.contains("memcpy"))
            n += 2L * sizes;
        if (groups.contains("loopback"))
            n += 2L * sizes;
        for (int nodes : s.nodeCounts())
            if (groups.contains(nodes == 1 ? "1node" : "3jvms"))
                n += 7L * sizes + 1;
        if (groups.contains("full"))
            n += 2;
        if (groups.contains("thin"))
            n += 4L * sizes + 4;
        if (redis && groups.contains("redis"))
            n += 4L * sizes;
        if (groups.contains("gpu") && io.kvgrid.gpu.CudaDeviceMemory.available())
            n += 4L * BenchGpu.COPY_SIZES.size() + 2;
        if (groups.contains("ssd"))
            n += 1;
        return n;
    }

    @Override
    public synchronized void write(int b) {
        if (b != '\n') {
            line.append((char) b);
            return;
        }
        String text = line.toString().replaceFirst("^bench: ", "");
        line.setLength(0);
        // Round headers and notes are status only; every other line starts a measurement.
        if (!text.startsWith("round ") && !text.startsWith("no "))
            steps++;
        bar.update(Math.max(0, steps - 1), text);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        String s = new String(b, off, len, StandardCharsets.UTF_8);
        for (int i = 0; i < s.length(); i++)
            write(s.charAt(i));
    }

    @Override
    public void close() {
        clock.shutdownNow();
        bar.update(steps, "done");
        bar.finish();
    }
}
