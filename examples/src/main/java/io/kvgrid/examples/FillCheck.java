package io.kvgrid.examples;

import io.kvgrid.ErrorCode;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.client.KvGridClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code kvgrid fill} and {@code kvgrid check}: write N blocks whose bytes follow from a seed ({@link FillPayload}),
 * recording each index the store acknowledged; later, read them all back and verify every byte. Together they tell
 * whether a cluster lost anything it acknowledged (through node kills, restarts, evictions to SSD).
 *
 * <pre>{@code
 * ./kvgrid fill --connect 127.0.0.1:10800 --count 10000 --block-bytes 65536 --threads 4 --ack-file acked.txt
 * ./kvgrid check --connect 127.0.0.1:10800 --count 10000 --block-bytes 65536 --ack-file acked.txt
 * }</pre>
 */
final class FillCheck {
    /** Most bytes one check batch reads at once. */
    private static final long BATCH_BYTES = 64L << 20;
    private static final int BATCH_KEYS = 64;
    /** Blocks named on stderr by check, at most, per kind of failure. */
    private static final int NAMED_FAILURES = 10;

    private FillCheck() {
    }

    private record Plan(int count, int blockBytes, long seed) {
    }

    /** The flags fill and check share: which blocks, of what size, from which seed. */
    static final class PlanOptions {
        @Option(names = "--count", paramLabel = "N", description = "blocks to write (fill) or to check (check)")
        Long count;
        @Option(names = "--block-bytes", paramLabel = "S", description = "bytes a block")
        Long blockBytes;
        @Option(names = "--seed", paramLabel = "X",
            description = "seed of the block contents and keys; check takes the fill's (default 0)")
        Long seed;

        Plan plan() {
            if (count == null)
                throw new UsageException("--count is required");
            if (blockBytes == null)
                throw new UsageException("--block-bytes is required");
            return new Plan(Flags.intNumber("--count", count, 0, 1, Integer.MAX_VALUE),
                Flags.intNumber("--block-bytes", blockBytes, 0, 1, Integer.MAX_VALUE - 8),
                Flags.number("--seed", seed, 0, Long.MIN_VALUE, Long.MAX_VALUE));
        }
    }

    @Command(name = "fill", customSynopsis = {
        "kvgrid fill --connect HOSTS [--tls-dir DIR [--client NAME]] --count N --block-bytes S",
        "                   [--replicas R] [--seed X] [--threads T] [--ack-file F]"},
        description = {"write N blocks of seeded, verifiable bytes, recording each acknowledged one", "",
            "Writes blocks fill-X-0 .. fill-X-(N-1) of S bytes each, derived from X and the index (so 'kvgrid check' "
                + "can verify them), write-once: a block already stored counts as acknowledged. Failed puts are "
                + "counted, not retried, and the fill goes on. Ends with one JSON line {\"acknowledged\", \"failed\", "
                + "\"errors\": {CODE: n}}; exit 0 even when puts failed."})
    static final class Fill implements Callable<Integer> {
        @Mixin
        ConnectOptions connection = new ConnectOptions();
        @Mixin
        PlanOptions planOptions = new PlanOptions();
        @Option(names = "--replicas", paramLabel = "R",
            description = "copies to keep (default: the store's replicas setting)")
        Long replicas;
        @Option(names = "--threads", paramLabel = "T", description = "puts in flight at once, 1 to 256 (default 1)")
        Long threads;
        @Option(names = "--ack-file", paramLabel = "F", converter = Flags.NonEmpty.class,
            description = "append each acknowledged index to F, one a line, as soon as its put returns")
        String ackName;

        private final PrintStream out;

        Fill(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() {
            connection.validate();
            Plan p = planOptions.plan();
            int t = Flags.intNumber("--threads", threads, 1, 1, 256);
            PutOptions options = replicas != null
                ? PutOptions.builder().replicas(Flags.intNumber("--replicas", replicas, 1, 1, Integer.MAX_VALUE))
                    .build()
                : PutOptions.defaults();
            OutputStream ack = null;
            if (ackName != null) {
                try {
                    // Unbuffered: each line is one write(2), in the OS's hands when the put is reported, so a fill
                    // killed with -9 leaves every acknowledged index in the file.
                    ack = Files.newOutputStream(Path.of(ackName), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UsageException("--ack-file: cannot open " + ackName + ": " + e);
                }
            }
            try (KvGridClient store = connection.connect(); OutputStream acks = ack) {
                Filler f = new Filler(store, p, options, acks);
                f.run(t);
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("acknowledged", f.acknowledged.get());
                json.put("failed", f.failed.get());
                json.put("errors", new TreeMap<>(f.errors));
                out.println(Json.write(json));
                return 0;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + ackName + ": " + e, e);
            }
        }
    }

    /** The fill's workers: each takes the next index until all N are taken, so the loop is bounded by --count. */
    private static final class Filler {
        private final KvGridClient store;
        private final Plan plan;
        private final PutOptions options;
        private final OutputStream ack;
        private final AtomicLong next = new AtomicLong();
        final AtomicLong acknowledged = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final Map<String, Long> errors = new ConcurrentHashMap<>();
        /** A failure that every further put would repeat (a bad setting, an unwritable ack file): stops the fill. */
        private final AtomicReference<RuntimeException> fatal = new AtomicReference<>();

        Filler(KvGridClient store, Plan plan, PutOptions options, OutputStream ack) {
            this.store = store;
            this.plan = plan;
            this.options = options;
            this.ack = ack;
        }

        void run(int threads) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(this::work, "kvgrid-fill-" + t);
                workers.add(w);
                w.start();
            }
            try {
                for (Thread w : workers)
                    w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fatal.compareAndSet(null, new IllegalStateException("interrupted"));
                workers.forEach(Thread::interrupt);
            }
            if (fatal.get() != null)
                throw fatal.get();
        }

        private void work() {
            while (fatal.get() == null) {
                long i = next.getAndIncrement();
                if (i >= plan.count())
                    return;
                try {
                    ClientCommands.named(Map.of("value", "--block-bytes", "replicas", "--replicas"),
                        () -> store.put(FillPayload.key(plan.seed(), i), FillPayload.bytes(plan.seed(), i,
                            plan.blockBytes()), options));
                } catch (UsageException e) {
                    fatal.compareAndSet(null, e);
                    return;
                } catch (KvGridException e) {
                    failed(e.code().name());
                    continue;
                } catch (RuntimeException e) {
                    failed(e.getClass().getSimpleName());
                    continue;
                }
                acknowledge(i);
            }
        }

        private void failed(String code) {
            failed.incrementAndGet();
            errors.merge(code, 1L, Long::sum);
        }

        private void acknowledge(long i) {
            if (ack != null) {
                byte[] line = (i + "\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    synchronized (ack) {
                        ack.write(line);
                    }
                } catch (IOException e) {
                    fatal.compareAndSet(null, new UncheckedIOException("cannot append to the ack file: " + e, e));
                }
            }
            acknowledged.incrementAndGet();
        }
    }

    @Command(name = "check", customSynopsis = {
        "kvgrid check --connect HOSTS [--tls-dir DIR [--client NAME]] --count N --block-bytes S",
        "                    [--seed X] [--ack-file F]"},
        description = {"read back the blocks of 'fill' and verify every byte", "",
            "Reads back the blocks of 'kvgrid fill' with the same --count, --block-bytes and --seed (batches of up "
                + "to 64) and verifies every byte. Ends with one JSON line {\"checked\", \"ok\", \"missing\", "
                + "\"corrupt\", \"missingAcknowledged\", \"unreadable\", \"errors\": {CODE: n}}; exit 1 when a block "
                + "is corrupt, an acknowledged block is missing or a block could not be read, else 0."})
    static final class Check implements Callable<Integer> {
        @Mixin
        ConnectOptions connection = new ConnectOptions();
        @Mixin
        PlanOptions planOptions = new PlanOptions();
        @Option(names = "--ack-file", paramLabel = "F", converter = Flags.NonEmpty.class,
            description = "the fill's acknowledgement file: a missing block listed there counts as "
                + "missingAcknowledged")
        String ackName;

        private final PrintStream out;
        private final PrintStream err;

        Check(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public Integer call() {
            connection.validate();
            return check(planOptions.plan(), ackName, connection, out, err);
        }
    }

    private static int check(Plan p, String ackName, ConnectOptions connection, PrintStream out, PrintStream err) {
        BitSet acked = ackName != null ? readAcks(Path.of(ackName), p.count()) : new BitSet();
        long checked = 0, ok = 0, missing = 0, corrupt = 0, missingAcked = 0, unreadable = 0;
        Map<String, Long> errors = new TreeMap<>();
        int batch = (int) Math.max(1, Math.min(BATCH_KEYS, BATCH_BYTES / p.blockBytes()));
        try (KvGridClient store = connection.connect()) {
            for (int from = 0; from < p.count(); from += batch) {
                int n = Math.min(batch, p.count() - from);
                List<String> keys = new ArrayList<>(n);
                for (int i = from; i < from + n; i++)
                    keys.add(FillPayload.key(p.seed(), i));
                List<KeyResult<byte[]>> got;
                try {
                    got = store.batchGet(keys);
                } catch (KvGridException e) {
                    got = new ArrayList<>(n);
                    for (String k : keys)
                        got.add(KeyResult.failed(k, e));
                }
                for (int j = 0; j < n; j++) {
                    int i = from + j;
                    KeyResult<byte[]> r = got.get(j);
                    checked++;
                    ErrorCode code = r.ok() ? null : r.error().code();
                    if (code == null && Arrays.equals(r.value(), FillPayload.bytes(p.seed(), i, p.blockBytes()))) {
                        ok++;
                    } else if (code == null || code == ErrorCode.CHECKSUM_MISMATCH) {
                        // Wrong bytes, or bytes the store itself found damaged: either way not what was written.
                        if (corrupt++ < NAMED_FAILURES)
                            err.println("kvgrid check: " + r.key() + " is corrupt" + (code == null
                                ? " (" + r.value().length + " bytes, not the expected ones)" : ": " + r.error().detail()));
                    } else if (code == ErrorCode.NOT_FOUND) {
                        missing++;
                        if (acked.get(i) && missingAcked++ < NAMED_FAILURES)
                            err.println("kvgrid check: " + r.key() + " was acknowledged and is missing");
                    } else {
                        if (unreadable++ < NAMED_FAILURES)
                            err.println("kvgrid check: " + r.key() + " could not be read: " + r.error().getMessage());
                        errors.merge(code.name(), 1L, Long::sum);
                    }
                }
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("checked", checked);
        json.put("ok", ok);
        json.put("missing", missing);
        json.put("corrupt", corrupt);
        json.put("missingAcknowledged", missingAcked);
        json.put("unreadable", unreadable);
        json.put("errors", errors);
        out.println(Json.write(json));
        return corrupt > 0 || missingAcked > 0 || unreadable > 0 ? 1 : 0;
    }

    /** The indexes a fill's ack file lists; each line one index from 0 to count - 1 (blank lines are skipped). */
    static BitSet readAcks(Path file, int count) {
        if (!Files.isRegularFile(file))
            throw new UsageException("--ack-file: no such file " + file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e, e);
        }
        BitSet acked = new BitSet();
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).trim();
            if (line.isEmpty())
                continue;
            long i;
            try {
                i = Long.parseLong(line);
            } catch (NumberFormatException e) {
                throw new UsageException("--ack-file: line " + (n + 1) + " of " + file + " is '" + line
                    + "', not a block index");
            }
            if (i < 0 || i >= count)
                throw new UsageException("--ack-file: line " + (n + 1) + " of " + file + " names block " + i
                    + ", outside 0.." + (count - 1) + " (was the fill's --count larger?)");
            acked.set((int) i);
        }
        return acked;
    }
}
