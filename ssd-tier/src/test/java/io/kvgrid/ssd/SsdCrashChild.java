package io.kvgrid.ssd;

import java.nio.file.Path;

/**
 * The process {@link SsdCrashTest} kills: spills blocks into an SSD tier with synced writes and prints
 * {@code BEGIN key size} before and {@code ACK key size} after each put returns (the block is written, forced and
 * indexed). It never closes the tier. Arguments: directory, key prefix, capacity in blocks, block size, max puts,
 * max seconds.
 */
public final class SsdCrashChild {
    private SsdCrashChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        String prefix = args[1];
        int slots = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int maxPuts = Integer.parseInt(args[4]);
        long deadline = System.nanoTime() + Long.parseLong(args[5]) * 1_000_000_000L;
        SsdTier ssd = SsdTier.open(Blocks.config(dir, (long) slots * size).setSyncWrites(true));
        System.out.println("OPEN " + ssd.blockCount());
        System.out.flush();
        for (int i = 0; i < maxPuts && System.nanoTime() < deadline; i++) {
            String key = prefix + i;
            System.out.println("BEGIN " + key + " " + size);
            System.out.flush();
            if (!Blocks.put(ssd, key, size))
                throw new IllegalStateException("put refused " + key);
            System.out.println("ACK " + key + " " + size);
            System.out.flush();
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(3); // no close(): the directory must stay unclean
    }
}
