package io.kvgrid.examples;

import java.io.PrintStream;

/** A one-line progress bar redrawn in place (carriage return) at most every 200 ms; only used on a terminal. */
final class ProgressBar {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long total;
    private long lastDraw;

    ProgressBar(PrintStream out, long total) {
        this.out = out;
        this.total = Math.max(1, total);
    }

    void update(long done, String status) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 200_000_000L)
            return;
        lastDraw = now;
        int filled = (int) (WIDTH * done / total);
        out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total + "  " + status
            + "   ");
        out.flush();
    }

    void finish() {
        out.println();
    }
}
