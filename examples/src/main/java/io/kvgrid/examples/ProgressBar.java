package io.kvgrid.examples;

import java.io.PrintStream;

/**
 * A one-line progress bar redrawn in place (carriage return): done / total, a status (the current step) and the
 * time elapsed since it was made. {@link #update} redraws at most every 200 ms unless the status changed; only used
 * on a terminal.
 */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private final long started = System.nanoTime();
    private long lastDraw;
    private long done;
    private String status = "";

    ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = Math.max(1, total);
    }

    synchronized void update(long done, String status) {
        long now = System.nanoTime();
        boolean changed = !status.equals(this.status);
        this.done = Math.min(done, total);
        this.status = status;
        if (!changed && done < total && now - lastDraw < 200_000_000L)
            return;
        draw(now);
    }

    /** Redraws with the current elapsed time (a long step still shows the clock moving). */
    synchronized void tick() {
        draw(System.nanoTime());
    }

    private void draw(long now) {
        lastDraw = now;
        int filled = (int) (WIDTH * done / total);
        long s = (now - started) / 1_000_000_000L;
        out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + "  "
            + String.format("%d:%02d", s / 60, s % 60) + "  " + status + "\033[K");
        out.flush();
    }

    synchronized void finish() {
        draw(System.nanoTime());
        out.println();
    }
}
