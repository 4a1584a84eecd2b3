package io.kvgrid.examples;

import io.kvgrid.BlockStore;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The measurements of {@code kvgrid bench}, identical for every store: put of distinct blocks, get and batchGet of
 * random stored blocks (every returned byte checked, outside the timed call), and kvgrid's lookupOnPrefixLength; plus
 * the memcpy ceiling.
 */
final class BenchWorkload {
    private static final int SOURCES = 4;

    private final BenchSettings s;
    private final PrintStream log;

    BenchWorkload(BenchSettings s, PrintStream log) {
        this.s = s;
        this.log = log;
    }

    /** System.arraycopy and direct ByteBuffer copies of one block at a time between large buffers. */
    void memcpy(int blockBytes, Consumer<BenchRow> out) throws Exception {
        int size = Math.max(s.memcpyBytes(), 4 * blockBytes);
        int slots = size / blockBytes;
        byte[] src = new byte[size];
        byte[] dst = new byte[size];
        new SplittableRandom(1).nextBytes(src);
        int maxOps = (int) Math.min(Integer.MAX_VALUE, Math.max(1_000, 40L * size / blockBytes));
        // Successive copies walk through the buffers (source and destination slots apart), so they come from memory.
        log("memcpy arraycopy", blockBytes, 1);
        Measure.Result r = Measure.run(s, maxOps, new Measure.Op() {
            public long run(int i) {
                System.arraycopy(src, (i % slots) * blockBytes, dst, ((i + slots / 2) % slots) * blockBytes, blockBytes);
                return blockBytes;
            }

            public void check(int i) {
                int from = (i % slots) * blockBytes;
                int to = ((i + slots / 2) % slots) * blockBytes;
                if (dst[to] != src[from] || dst[to + blockBytes - 1] != src[from + blockBytes - 1])
                    throw new IllegalStateException("arraycopy did not copy");
            }
        });
        out.accept(row("memcpy", "arraycopy", blockBytes, 1, r));
        java.nio.ByteBuffer dsrc = java.nio.ByteBuffer.allocateDirect(size);
        java.nio.ByteBuffer ddst = java.nio.ByteBuffer.allocateDirect(size);
        dsrc.put(src).clear();
        log("memcpy bytebuffer", blockBytes, 1);
        r = Measure.run(s, maxOps, new Measure.Op() {
            public long run(int i) {
                ddst.put(((i + slots / 2) % slots) * blockBytes, dsrc, (i % slots) * blockBytes, blockBytes);
                return blockBytes;
            }

            public void check(int i) {
                int from = (i % slots) * blockBytes;
                int to = ((i + slots / 2) % slots) * blockBytes;
                if (ddst.get(to + blockBytes - 1) != dsrc.get(from + blockBytes - 1))
                    throw new IllegalStateException("ByteBuffer.put did not copy");
            }
        });
        out.accept(row("memcpy", "bytebuffer", blockBytes, 1, r));
    }

    /** put, get and batchGet of {@code blockBytes} blocks; returns the keys stored. */
    List<String> putGet(BenchTarget t, int blockBytes, Consumer<BenchRow> out) throws Exception {
        byte[][] src = new byte[SOURCES][blockBytes];
        SplittableRandom rnd = new SplittableRandom(blockBytes);
        for (byte[] b : src)
            rnd.nextBytes(b);
        String prefix = "bench-" + (blockBytes >> 10) + "k-";
        int maxPuts = s.putBlocks(blockBytes);
        List<String> stored = new ArrayList<>();
        log(t.system() + " put", blockBytes, t.nodes());
        // At least a batch of blocks, so every system's batchGet reads the same number of distinct blocks.
        Measure.Result r = Measure.run(s, maxPuts, Math.min(maxPuts, BenchSettings.BATCH), new Measure.Op() {
            public long run(int i) throws Exception {
                t.put(prefix + i, src[i % SOURCES]);
                return blockBytes;
            }

            public void check(int i) {
                if (i < maxPuts)
                    stored.add(prefix + i);
            }
        });
        out.accept(row(t.system(), "put", blockBytes, t.nodes(), r));

        SplittableRandom pick = new SplittableRandom(42);
        byte[][] got = new byte[1][];
        int[] which = new int[1];
        log(t.system() + " get", blockBytes, t.nodes());
        r = Measure.run(s, s.readOps(), new Measure.Op() {
            public long run(int i) throws Exception {
                which[0] = pick.nextInt(stored.size());
                got[0] = t.get(stored.get(which[0]));
                return blockBytes;
            }

            public void check(int i) {
                verify(t, stored.get(which[0]), got[0], src[index(stored.get(which[0]), prefix) % SOURCES]);
            }
        });
        out.accept(row(t.system(), "get", blockBytes, t.nodes(), r));

        int batch = Math.min(BenchSettings.BATCH, stored.size());
        List<List<String>> keys = new ArrayList<>(1);
        keys.add(List.of());
        List<List<byte[]>> values = new ArrayList<>(1);
        values.add(List.of());
        log(t.system() + " batchGet(" + batch + ")", blockBytes, t.nodes());
        r = Measure.run(s, Math.max(1, s.readOps() / batch), new Measure.Op() {
            public long run(int i) throws Exception {
                int from = pick.nextInt(stored.size());
                List<String> k = new ArrayList<>(batch);
                for (int j = 0; j < batch; j++)
                    k.add(stored.get((from + j) % stored.size()));
                keys.set(0, k);
                values.set(0, t.batchGet(k));
                return (long) batch * blockBytes;
            }

            public void check(int i) {
                List<String> k = keys.get(0);
                List<byte[]> v = values.get(0);
                if (v.size() != k.size())
                    throw new IllegalStateException(t.system() + " batchGet returned " + v.size() + " of " + k.size());
                for (int j = 0; j < k.size(); j++)
                    verify(t, k.get(j), v.get(j), src[index(k.get(j), prefix) % SOURCES]);
            }
        });
        out.accept(row(t.system(), "batchGet", blockBytes, t.nodes(), r));
        return stored;
    }

    /** lookupOnPrefixLength of 1,000 ids: the stored keys first, then absent ones (a typical partial hit). */
    void lookup(BlockStore store, int nodes, List<String> stored, Consumer<BenchRow> out) throws Exception {
        List<String> ids = new ArrayList<>(BenchSettings.LOOKUP_IDS);
        int present = Math.min(stored.size(), BenchSettings.LOOKUP_IDS);
        ids.addAll(stored.subList(0, present));
        for (int i = present; i < BenchSettings.LOOKUP_IDS; i++)
            ids.add("bench-absent-" + i);
        int[] found = new int[1];
        log("kvgrid lookupOnPrefix(" + ids.size() + ")", 0, nodes);
        Measure.Result r = Measure.run(s, s.readOps(), new Measure.Op() {
            public long run(int i) {
                found[0] = store.lookupOnPrefixLength(ids);
                return 0;
            }

            public void check(int i) {
                if (found[0] != present)
                    throw new IllegalStateException("lookupOnPrefixLength found " + found[0] + ", expected " + present);
            }
        });
        out.accept(new BenchRow("kvgrid", "lookupOnPrefix", 0, nodes, null, r.p50Ms(), r.opsPerSec()));
    }

    private static int index(String key, String prefix) {
        return Integer.parseInt(key.substring(prefix.length()));
    }

    private static void verify(BenchTarget t, String key, byte[] got, byte[] expected) {
        if (!Arrays.equals(got, expected))
            throw new IllegalStateException(t.system() + " returned wrong bytes for " + key
                + (got == null ? " (absent)" : " (" + got.length + " bytes)"));
    }

    private static BenchRow row(String system, String op, int blockBytes, int nodes, Measure.Result r) {
        return new BenchRow(system, op, blockBytes, nodes, r.gbPerSec(), r.p50Ms(), r.opsPerSec());
    }

    private void log(String what, int blockBytes, int nodes) {
        if (log != null)
            log.printf("bench: %s%s on %d node%s%n", what, blockBytes == 0 ? "" : " " + TextTable.bytes(blockBytes),
                nodes, nodes == 1 ? "" : "s");
    }
}
