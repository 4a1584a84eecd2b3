package io.kvgrid.examples;

import io.kvgrid.ssd.SsdBench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The SSD tier part of {@code kvgrid bench}: {@link SsdBench} (spill and restore of 1 MiB blocks through
 * {@code SsdTier}, O_DIRECT into a preallocated data file, the tier's defaults) against sequential {@code dd} with
 * O_DIRECT on the same directory, in the same run.
 *
 * @param dir    directory measured (the bench works in a subdirectory of it and deletes it)
 * @param fsType file system type of {@code dir}
 * @param result the figures, or null when the bench could not run
 * @param error  why it could not run, or null
 */
record BenchSsd(Path dir, String fsType, SsdBench.Result result, String error) {
    /** Runs the SSD bench of {@code s} in {@code dir}, or in a temporary directory under the working directory. */
    static BenchSsd measure(BenchSettings s, Path dir, PrintStream log) throws InterruptedException {
        Path work = dir;
        boolean temporary = dir == null;
        try {
            // Not java.io.tmpdir: /tmp is often tmpfs (memory), where O_DIRECT is refused and nothing reaches a disk.
            work = temporary ? Files.createTempDirectory(Path.of("").toAbsolutePath(), "kvgrid-ssd-bench-")
                : Files.createDirectories(dir);
            String fs = Files.getFileStore(work).type();
            if (fs.equals("tmpfs") || fs.equals("ramfs"))
                return new BenchSsd(work, fs, null, work + " is on " + fs + " (memory, no O_DIRECT): give --ssd-dir "
                    + "a directory on the SSD");
            if (log != null)
                log.printf("bench: ssd tier, %d x 1 MiB blocks, %d round%s in %s (%s)%n", s.ssdBlocks(), s.ssdRounds(),
                    s.ssdRounds() == 1 ? "" : "s", work, fs);
            return new BenchSsd(work, fs, SsdBench.run(work, s.ssdBlocks(), s.ssdRounds(), true, true), null);
        } catch (IOException | RuntimeException e) {
            return new BenchSsd(work, null, null, String.valueOf(e.getMessage()));
        } finally {
            if (temporary && work != null)
                deleteTree(work);
        }
    }

    void print(PrintStream out) {
        if (result == null) {
            out.println("ssd tier: not measured: " + error);
            return;
        }
        SsdBench.Result r = result;
        out.printf("ssd tier: 1 MiB blocks, %d per round, %d round%s (medians), O_DIRECT, preallocated data file, in "
            + "%s (%s)%n", r.blocks(), r.rounds(), r.rounds() == 1 ? "" : "s", dir, fsType);
        TextTable t = new TextTable("op", "tier MB/s", "dd MB/s", "vs dd");
        t.row("spill (empty tier)", mbps(r.spillMBps()), mbps(r.ddWriteMBps()) + " write", ratio(r.spillRatio()));
        t.row("steady spill (full tier, LRU)", mbps(r.steadyMBps()), mbps(r.ddWriteMBps()) + " write",
            ratio(r.steadyRatio()));
        t.row("restore (page cache dropped)", mbps(r.restoreMBps()), mbps(r.ddReadMBps()) + " read",
            ratio(r.restoreRatio()));
        t.print(out);
        out.println("dd: sequential bs=1M with oflag=direct / iflag=direct on the same directory, same run; "
            + "MB/s = 10^6 bytes per second");
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dir", dir == null ? null : dir.toString());
        m.put("fsType", fsType);
        m.put("blockBytes", 1 << 20);
        if (result == null) {
            m.put("error", error);
            return m;
        }
        SsdBench.Result r = result;
        m.put("blocks", r.blocks());
        m.put("rounds", r.rounds());
        m.put("directIo", r.directIo());
        m.put("preallocate", r.preallocate());
        m.put("spillMBps", r.spillMBps());
        m.put("steadySpillMBps", r.steadyMBps());
        m.put("restoreMBps", r.restoreMBps());
        m.put("ddWriteMBps", r.ddWriteMBps());
        m.put("ddReadMBps", r.ddReadMBps());
        m.put("spillVsDd", r.spillRatio());
        m.put("steadySpillVsDd", r.steadyRatio());
        m.put("restoreVsDd", r.restoreRatio());
        return m;
    }

    private static String mbps(double v) {
        return String.format("%.0f", v);
    }

    private static String ratio(double v) {
        return String.format("%.2fx", v);
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> files = Files.walk(p)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: the bench already removed its own files
        }
    }
}
