package io.kvgrid.examples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table: a header row, a rule, then rows; numeric-looking cells right-aligned. */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();
    private boolean alignNumbers = true;

    TextTable(String... header) {
        rows.add(header);
    }

    /** Left-aligns every cell (for tables of mixed text). */
    TextTable leftAligned() {
        alignNumbers = false;
        return this;
    }

    TextTable row(Object... cells) {
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++)
            r[i] = String.valueOf(cells[i]);
        rows.add(r);
        return this;
    }

    /** True while it has no row beyond its header. */
    boolean isEmpty() {
        return rows.size() == 1;
    }

    void print(PrintStream out) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows)
            for (int i = 0; i < cols; i++)
                w[i] = Math.max(w[i], r[i].length());
        for (int k = 0; k < rows.size(); k++) {
            String[] r = rows.get(k);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                if (i > 0)
                    sb.append("  ");
                boolean right = alignNumbers && k > 0 && !r[i].isEmpty() && (Character.isDigit(r[i].charAt(0)) || r[i].equals("-"));
                sb.append(right ? pad(r[i], w[i], true) : pad(r[i], w[i], false));
            }
            out.println(sb.toString().stripTrailing());
            if (k == 0) {
                int total = 0;
                for (int x : w)
                    total += x;
                out.println("-".repeat(total + 2 * (cols - 1)));
            }
        }
    }

    private static String pad(String s, int w, boolean right) {
        String fill = " ".repeat(w - s.length());
        return right ? fill + s : s + fill;
    }

    static String bytes(long b) {
        if (b >= 1L << 30)
            return String.format("%.2f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20)
            return String.format("%.1f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10)
            return String.format("%.0f KiB", b / (double) (1L << 10));
        return b + " B";
    }
}
