package io.kvgrid.examples;

import io.kvgrid.BlockStore;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
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
        Measure.Repeated r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(), maxOps, 1,
            new Measure.Op() {
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
        }));
        out.accept(row("memcpy", "arraycopy", blockBytes, r));
        java.nio.ByteBuffer dsrc = java.nio.ByteBuffer.allocateDirect(size);
        java.nio.ByteBuffer ddst = java.nio.ByteBuffer.allocateDirect(size);
        dsrc.put(src).clear();
        log("memcpy bytebuffer", blockBytes, 1);
        r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(), maxOps, 1, new Measure.Op() {
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
        }));
        out.accept(row("memcpy", "bytebuffer", blockBytes, r));
    }

    /** put, get and batchGet of {@code blockBytes} blocks, each row in rounds; returns the keys stored. */
    List<String> putGet(BenchTarget t, int blockBytes, Consumer<BenchRow> out) throws Exception {
        byte[][] src = sources(blockBytes);
        String prefix = "bench-" + (blockBytes >> 10) + "k-";
        int maxPuts = s.putBlocks(blockBytes);
        // Round r puts keys from r * stride on (warm-up keys of round 0 are numbered from maxPuts, below the stride).
        int stride = 2 * maxPuts + 1;
        List<String> stored = new ArrayList<>();
        log(t.system() + " put", blockBytes, t.nodes());
        Measure.Repeated r = Measure.repeat(s, round -> {
            if (round > 0) {
                // Every round puts into an emptied store, as the first did; the last round's blocks are read below.
                t.clear();
                stored.clear();
            }
            int base = round * stride;
            // At least a batch of blocks, so every system's batchGet reads the same number of distinct blocks.
            return Measure.run(warmup(round), s.measureMillis(), maxPuts, Math.min(maxPuts, BenchSettings.BATCH),
                new Measure.Op() {
                    public long run(int i) throws Exception {
                        t.put(prefix + (base + i), src[(base + i) % SOURCES]);
                        return blockBytes;
                    }

                    public void check(int i) {
                        if (i < maxPuts)
                            stored.add(prefix + (base + i));
                    }
                });
        });
        out.accept(row(t, "put", blockBytes, r));

        SplittableRandom pick = new SplittableRandom(42);
        byte[][] got = new byte[1][];
        int[] which = new int[1];
        log(t.system() + " get", blockBytes, t.nodes());
        r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(), s.readOps(), 1,
            new Measure.Op() {
                public long run(int i) throws Exception {
                    which[0] = pick.nextInt(stored.size());
                    got[0] = t.get(stored.get(which[0]));
                    return blockBytes;
                }

                public void check(int i) {
                    verify(t, stored.get(which[0]), got[0], src[index(stored.get(which[0]), prefix) % SOURCES]);
                }
            }));
        out.accept(row(t, "get", blockBytes, r));
        if (t.readsInto())
            getInto(t, blockBytes, stored, prefix, src, out);

        batch(t, "batchGet", blockBytes, stored, prefix, src, t::batchGet, out);
        if (t instanceof BenchTargets.Redis redis)
            batch(t, "pipelinedGet", blockBytes, stored, prefix, src, redis::pipelinedGet, out);
        return stored;
    }

    /**
     * Random stored blocks read into one direct buffer (the load of an engine into its own registered memory), in
     * rounds; the buffer is compared with the block after each read, untimed.
     */
    private void getInto(BenchTarget t, int blockBytes, List<String> stored, String prefix, byte[][] src,
                         Consumer<BenchRow> out) throws Exception {
        SplittableRandom pick = new SplittableRandom(44);
        java.nio.ByteBuffer into = java.nio.ByteBuffer.allocateDirect(blockBytes);
        byte[] copy = new byte[blockBytes];
        int[] which = new int[1];
        log(t.system() + " getInto", blockBytes, t.nodes());
        Measure.Repeated r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(), s.readOps(), 1,
            new Measure.Op() {
                public long run(int i) throws Exception {
                    which[0] = pick.nextInt(stored.size());
                    into.clear();
                    return t.getInto(stored.get(which[0]), into);
                }

                public void check(int i) {
                    into.flip().get(copy);
                    verify(t, stored.get(which[0]), copy, src[index(stored.get(which[0]), prefix) % SOURCES]);
                    // Changed ends, so a read that leaves the buffer as it was fails the next check.
                    into.put(0, (byte) ~into.get(0)).put(blockBytes - 1, (byte) ~into.get(blockBytes - 1));
                }
            }));
        out.accept(row(t, "getInto", blockBytes, r));
    }

    /** Reads of {@code BATCH} consecutive stored blocks from a random start through {@code read}, in rounds. */
    private void batch(BenchTarget t, String op, int blockBytes, List<String> stored, String prefix, byte[][] src,
                       BatchRead read, Consumer<BenchRow> out) throws Exception {
        SplittableRandom pick = new SplittableRandom(43);
        int batch = Math.min(BenchSettings.BATCH, stored.size());
        List<List<String>> keys = new ArrayList<>(1);
        keys.add(List.of());
        List<List<byte[]>> values = new ArrayList<>(1);
        values.add(List.of());
        log(t.system() + " " + op + "(" + batch + ")", blockBytes, t.nodes());
        Measure.Repeated r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(),
            Math.max(1, s.readOps() / batch), 1, new Measure.Op() {
                public long run(int i) throws Exception {
                    int from = pick.nextInt(stored.size());
                    List<String> k = new ArrayList<>(batch);
                    for (int j = 0; j < batch; j++)
                        k.add(stored.get((from + j) % stored.size()));
                    keys.set(0, k);
                    values.set(0, read.read(k));
                    return (long) batch * blockBytes;
                }

                public void check(int i) {
                    List<String> k = keys.get(0);
                    List<byte[]> v = values.get(0);
                    if (v.size() != k.size())
                        throw new IllegalStateException(t.system() + " " + op + " returned " + v.size() + " of "
                            + k.size());
                    for (int j = 0; j < k.size(); j++)
                        verify(t, k.get(j), v.get(j), src[index(k.get(j), prefix) % SOURCES]);
                }
            }));
        out.accept(row(t, op, blockBytes, r));
    }

    @FunctionalInterface
    private interface BatchRead {
        List<byte[]> read(List<String> keys) throws Exception;
    }

    /** Bytes per write on the loopback's channel stream: the pieces kvgrid's block channel writes in. */
    static final int CHANNEL_PIECE = 512 << 10;

    /**
     * The loopback ceiling: one plain TCP stream (as many as the store rows use: one) from this JVM to a sink process
     * on 127.0.0.1; each message is a 4-byte length and the block, acknowledged by one byte once the sink read it all.
     * Two rows: {@code stream} writes through a {@code java.net.Socket} (the JDK writes a heap array 128 KiB per system
     * call), {@code stream-channel} from a direct buffer to a {@code SocketChannel} in {@link #CHANNEL_PIECE} pieces,
     * as kvgrid's block channel writes its answers (without the JDK's copy of a heap array into a direct buffer).
     */
    void loopback(int blockBytes, BenchJvms sink, Consumer<BenchRow> out) throws Exception {
        byte[] msg = sources(blockBytes)[0];
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(msg.length).put(msg).flip();
        for (boolean channel : new boolean[] {false, true}) {
            String op = channel ? "stream-channel" : "stream";
            log("loopback-tcp " + op, blockBytes, 1);
            InetSocketAddress sinkAddress = new InetSocketAddress(InetAddress.getLoopbackAddress(), sink.port(0));
            try (Socket socket = channel ? SocketChannel.open(sinkAddress).socket() : new Socket()) {
                if (!channel)
                    socket.connect(sinkAddress);
                socket.setTcpNoDelay(true);
                OutputStream raw = socket.getOutputStream();
                DataOutputStream o = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
                InputStream in = socket.getInputStream();
                int maxOps = s.putBlocks(blockBytes) * 4;
                Measure.Repeated r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(), maxOps, 1,
                    new Measure.Op() {
                        public long run(int i) throws Exception {
                            o.writeInt(msg.length);
                            if (channel) {
                                o.flush();
                                java.nio.ByteBuffer b = direct.duplicate();
                                SocketChannel ch = socket.getChannel();
                                for (int end = b.limit(); b.position() < end; ) {
                                    b.limit(Math.min(end, b.position() + CHANNEL_PIECE));
                                    while (b.hasRemaining())
                                        ch.write(b);
                                }
                            } else {
                                o.write(msg);
                            }
                            o.flush();
                            if (in.read() != 1)
                                throw new IllegalStateException("the loopback sink closed the stream");
                            return blockBytes;
                        }
                    }));
                out.accept(new BenchRow("loopback-tcp", op, blockBytes, 1, r.median().gbPerSec(), r.median().p50Ms(),
                    r.median().opsPerSec(), r.median().p99Ms(), true, 1, 1, r.rounds(), r.stable()));
            }
        }
    }

    /**
     * 2 MiB puts on one node: {@code put} into an empty (pre-touched) region, emptied again (untimed) whenever it is
     * 60% full, so evictions never start and a round lasts its full time; then {@code put-full}, the steady state:
     * the region filled past its watermark (untimed), every further put making room by eviction.
     */
    void putFull(BenchTargets.KvGrid kv, long regionBytes, double watermark, Consumer<BenchRow> out) throws Exception {
        int blockBytes = BenchSettings.FULL_BLOCK;
        byte[][] src = sources(blockBytes);
        String prefix = "bench-full-";
        int capacity = (int) Math.max(8, regionBytes * watermark / blockBytes);
        int fill = Math.max(4, capacity * 6 / 10);
        int[] next = {0};
        log("kvgrid put", blockBytes, 1);
        Measure.Repeated r = Measure.repeat(s, round -> {
            kv.clear();
            int[] filled = {0};
            return Measure.run(warmup(round), s.measureMillis(), 50 * fill, 1, new Measure.Op() {
                public long run(int i) {
                    int k = next[0]++;
                    kv.put(prefix + k, src[k % SOURCES]);
                    return blockBytes;
                }

                public void check(int i) {
                    if (++filled[0] == fill) {
                        kv.clear();
                        filled[0] = 0;
                    }
                }
            });
        });
        out.accept(row(kv, "put", blockBytes, r));

        for (int i = 0; i < capacity * 13 / 10; i++)
            kv.put(prefix + next[0]++, src[i % SOURCES]);
        log("kvgrid put-full", blockBytes, 1);
        // The eviction path is cold until the region first fills: without a warm-up of its own, the JIT compiling it
        // took 40% of a 2-core machine through the first 3 s of put-full (JFR, jdk.ThreadCPULoad).
        long warmEnd = System.nanoTime() + Math.max(s.warmupMillis(), 4 * s.measureMillis()) * 1_000_000;
        for (int i = 0; i < 20 * capacity && System.nanoTime() < warmEnd; i++)
            kv.put(prefix + next[0]++, src[i % SOURCES]);
        r = Measure.repeat(s, round -> Measure.run(0, s.measureMillis(), capacity, 1, new Measure.Op() {
            public long run(int i) {
                int k = next[0]++;
                kv.put(prefix + k, src[k % SOURCES]);
                return blockBytes;
            }
        }));
        out.accept(row(kv, "put-full", blockBytes, r));
        kv.clear();
    }

    /**
     * Untimed puts and gets of every block size on a freshly started cluster of server JVMs, for twenty times a row's
     * warm-up (10 s in a full run), cleared every 64 puts and at the end. Without it the first row measured the JIT
     * warming four JVMs on two cores: a 64 KiB kvgrid put took 24 ms in the first 200 puts and 3.5 ms after 1,200
     * (the put step meters, round by round).
     */
    void warmUp(BenchTarget t) throws Exception {
        List<byte[]> blocks = new ArrayList<>();
        for (int size : BenchSettings.BLOCK_SIZES)
            blocks.add(sources(size)[0]);
        long end = System.nanoTime() + 20 * s.warmupMillis() * 1_000_000;
        for (int i = 0; i < 100_000 && System.nanoTime() < end; i++) {
            String key = "bench-warm-" + i;
            byte[] b = blocks.get(i % blocks.size());
            t.put(key, b);
            verify(t, key, t.get(key), b);
            if (i % 64 == 63)
                t.clear();
        }
        t.clear();
    }

    private long warmup(int round) {
        return round == 0 ? s.warmupMillis() : 0;
    }

    private static byte[][] sources(int blockBytes) {
        byte[][] src = new byte[SOURCES][blockBytes];
        SplittableRandom rnd = new SplittableRandom(blockBytes);
        for (byte[] b : src)
            rnd.nextBytes(b);
        return src;
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
        Measure.Op lookup = new Measure.Op() {
            public long run(int i) {
                found[0] = store.lookupOnPrefixLength(ids);
                return 0;
            }

            public void check(int i) {
                if (found[0] != present)
                    throw new IllegalStateException("lookupOnPrefixLength found " + found[0] + ", expected " + present);
            }
        };
        // Twenty times the other rows' warm-up (10 s in a full run) before the row's own: the servers answer a client
        // node's lookups on a path (reading and leasing records without their payloads) that no row before this one
        // runs, and on two cores shared by four JVMs it takes ~10 s to warm. Measured with 3 s of warm-up, when
        // lookups still took Ignite's path: 3.8 ms p50 for the row, then 1.5-1.6 ms for each of five rows after it.
        // Outside the row's time cap, which would otherwise leave it two rounds.
        Measure.run(20 * s.warmupMillis(), 0, s.readOps(), 1, lookup);
        Measure.Repeated r = Measure.repeat(s, round -> Measure.run(warmup(round), s.measureMillis(), s.readOps(), 1,
            lookup));
        Measure.Result m = r.median();
        out.accept(new BenchRow("kvgrid", "lookupOnPrefix", 0, nodes, null, m.p50Ms(), m.opsPerSec(), m.p99Ms(),
            nodes > 1, 1, Math.min(2, nodes), r.rounds(), r.stable()));
    }

    private static int index(String key, String prefix) {
        return Integer.parseInt(key.substring(prefix.length()));
    }

    private static void verify(BenchTarget t, String key, byte[] got, byte[] expected) {
        if (!Arrays.equals(got, expected))
            throw new IllegalStateException(t.system() + " returned wrong bytes for " + key
                + (got == null ? " (absent)" : " (" + got.length + " bytes)"));
    }

    private static BenchRow row(String system, String op, int blockBytes, Measure.Repeated r) {
        Measure.Result m = r.median();
        return new BenchRow(system, op, blockBytes, 1, m.gbPerSec(), m.p50Ms(), m.opsPerSec(), m.p99Ms(), false, 1,
            1, r.rounds(), r.stable());
    }

    private static BenchRow row(BenchTarget t, String op, int blockBytes, Measure.Repeated r) {
        Measure.Result m = r.median();
        return new BenchRow(t.system(), op, blockBytes, t.nodes(), m.gbPerSec(), m.p50Ms(), m.opsPerSec(), m.p99Ms(),
            t.processes(), 1, t.copies(), r.rounds(), r.stable());
    }

    private void log(String what, int blockBytes, int nodes) {
        if (log != null)
            log.printf("bench: %s%s on %d node%s%n", what, blockBytes == 0 ? "" : " " + TextTable.bytes(blockBytes),
                nodes, nodes == 1 ? "" : "s");
    }
}
