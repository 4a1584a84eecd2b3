package io.kvgrid.examples;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.client.ServerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code kvgrid put | get | ls | rm | stats}: a running cluster's blocks and counters through {@link KvGridClient},
 * from any machine that reaches a node's thin-client port ({@code kvgrid node} prints it).
 *
 * <pre>{@code
 * ./kvgrid put --connect 127.0.0.1:10800 model-a/blk-0 blk0.bin
 * ./kvgrid get --connect 127.0.0.1:10800 model-a/blk-0 copy.bin
 * ./kvgrid stats --connect 127.0.0.1:10800,127.0.0.1:10801 --json
 * }</pre>
 */
final class ClientCommands {
    private ClientCommands() {
    }

    /**
     * Runs {@code call}; an INVALID_KEY or INVALID_ARGUMENT error about an argument the command line supplied is a
     * usage error naming that word or flag ({@code names}: the store's argument name to the command line's).
     */
    static <T> T named(Map<String, String> names, Supplier<T> call) {
        try {
            return call.get();
        } catch (KvGridException e) {
            String name = e.argument() == null ? null : names.get(e.argument());
            if (name != null && (e.code() == ErrorCode.INVALID_KEY || e.code() == ErrorCode.INVALID_ARGUMENT))
                throw new UsageException(name + ": " + e.detail());
            throw e;
        }
    }

    @Command(name = "put", customSynopsis = "kvgrid put --connect HOSTS [--tls-dir DIR [--client NAME]] [--replicas R] "
        + "[--upsert] KEY FILE",
        description = {"store a file as a block", "", "Stores the bytes of FILE as block KEY. Blocks are write-once: "
            + "an existing KEY is left unchanged (exit 0) unless --upsert replaces it."})
    static final class Put implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", hideParamSyntax = true,
            description = "the block's key")
        String key;
        @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", hideParamSyntax = true,
            description = "the file whose bytes are stored")
        String file;
        @Mixin
        ConnectOptions connection = new ConnectOptions();
        @Option(names = "--replicas", paramLabel = "R",
            description = "copies to keep (default: the store's replicas setting)")
        Long replicas;
        @Option(names = "--upsert", description = "replace KEY if it is already stored")
        boolean upsert;

        private final PrintStream out;

        Put(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() {
            connection.validate();
            if (key == null || file == null)
                throw new UsageException("KEY and FILE are required");
            int r = Flags.intNumber("--replicas", replicas, PutOptions.DEFAULT_REPLICAS, 1, Integer.MAX_VALUE);
            PutOptions options = replicas != null ? PutOptions.builder().replicas(r).build() : PutOptions.defaults();
            byte[] bytes = readFile(Path.of(file));
            PutResult result;
            try (KvGridClient store = connection.connect()) {
                result = named(Map.of("key", "KEY", "value", "FILE", "replicas", "--replicas"),
                    () -> upsert ? store.upsert(key, bytes, options) : store.put(key, bytes, options));
            }
            // existed(): a write-once put found the key and left it; an upsert always stores (and reports false).
            if (result.existed())
                out.println(key + " exists, left unchanged");
            else
                out.printf("stored %s (%d bytes, %d %s)%n", key, bytes.length, result.replicas(),
                    result.replicas() == 1 ? "copy" : "copies");
            return 0;
        }
    }

    private static byte[] readFile(Path file) {
        if (!Files.isRegularFile(file))
            throw new UsageException("FILE: no such file " + file);
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 8)
                throw new UsageException("FILE: " + file + " has " + Files.size(file) + " bytes, more than a block");
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Command(name = "get", customSynopsis = "kvgrid get --connect HOSTS [--tls-dir DIR [--client NAME]] KEY [OUTFILE]",
        description = {"write a block to a file or standard output", "", "Writes the bytes of block KEY to OUTFILE, "
            + "or to standard output when OUTFILE is omitted. A missing KEY is an error (exit 1) and writes nothing."})
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", hideParamSyntax = true,
            description = "the block's key")
        String key;
        @Parameters(index = "1", arity = "0..1", paramLabel = "OUTFILE", description = "where to write its bytes")
        String outFile;
        @Mixin
        ConnectOptions connection = new ConnectOptions();

        private final PrintStream out;

        Get(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() {
            connection.validate();
            if (key == null)
                throw new UsageException("KEY is required");
            Path file = outFile != null ? Path.of(outFile) : null;
            if (file != null && Files.isDirectory(file))
                throw new UsageException("OUTFILE: " + file + " is a directory");
            byte[] bytes;
            try (KvGridClient store = connection.connect()) {
                bytes = named(Map.of("key", "KEY"), () -> store.get(key));
            }
            if (file == null) {
                out.write(bytes, 0, bytes.length);
                out.flush();
                return 0;
            }
            try {
                Files.write(file, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e, e);
            }
            out.printf("wrote %s to %s (%d bytes)%n", key, file, bytes.length);
            return 0;
        }
    }

    @Command(name = "ls", customSynopsis = "kvgrid ls --connect HOSTS [--tls-dir DIR [--client NAME]] [REGEX]",
        description = {"list keys, optionally matching a regex", "", "Lists the keys of stored blocks that match REGEX "
            + "as a whole (Java syntax; default .*), one a line, sorted."})
    static final class Ls implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "REGEX", description = "keys to list (default .*)")
        String regex = ".*";
        @Mixin
        ConnectOptions connection = new ConnectOptions();

        private final PrintStream out;

        Ls(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() {
            connection.validate();
            try {
                Pattern.compile(regex);
            } catch (PatternSyntaxException e) {
                throw new UsageException("REGEX: " + e.getDescription() + " at index " + e.getIndex() + " of " + regex);
            }
            List<String> keys;
            try (KvGridClient store = connection.connect()) {
                keys = new ArrayList<>(named(Map.of("regex", "REGEX"), () -> store.listKeys(regex)));
            }
            keys.sort(null);
            for (String k : keys)
                out.println(k);
            return 0;
        }
    }

    @Command(name = "rm", customSynopsis = "kvgrid rm --connect HOSTS [--tls-dir DIR [--client NAME]] [--force] KEY",
        description = {"remove a block", "", "Removes block KEY from every tier of every node. A block under a read "
            + "lease is kept unless --force."})
    static final class Rm implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", hideParamSyntax = true,
            description = "the block's key")
        String key;
        @Mixin
        ConnectOptions connection = new ConnectOptions();
        @Option(names = "--force", description = "remove KEY even while a reader holds a lease on it")
        boolean force;

        private final PrintStream out;

        Rm(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() {
            connection.validate();
            if (key == null)
                throw new UsageException("KEY is required");
            try (KvGridClient store = connection.connect()) {
                named(Map.of("key", "KEY"), () -> {
                    store.remove(key, force);
                    return null;
                });
            } catch (KvGridException e) {
                if (e.code() == ErrorCode.HAS_LEASE)
                    throw new KvGridException(e.code(), e.argument(), e.detail() + " (--force removes it anyway)", e);
                throw e;
            }
            out.println("removed " + key);
            return 0;
        }
    }

    @Command(name = "stats", customSynopsis = "kvgrid stats --connect HOSTS [--tls-dir DIR [--client NAME]] [--json]",
        description = {"per-node blocks, memory, evictions, leases, pins and SSD tier use", "", "Prints every server "
            + "node's counters: blocks, memory used of capacity and of the high watermark (where the node starts "
            + "evicting), evictions, leases, pins, payload requests relayed, and its SSD tier when it has one."})
    static final class Stats implements Callable<Integer> {
        @Mixin
        ConnectOptions connection = new ConnectOptions();
        @Option(names = "--json", description = "one JSON object per node, one a line, instead of the table")
        boolean json;

        private final PrintStream out;

        Stats(PrintStream out) {
            this.out = out;
        }

        @Override
        public Integer call() {
            connection.validate();
            List<ServerStats> nodes;
            try (KvGridClient store = connection.connect()) {
                nodes = store.serverStats();
            }
            if (json) {
                for (ServerStats s : nodes)
                    out.println(Json.write(json(s)));
                return 0;
            }
            TextTable t = new TextTable("node", "thin clients", "blocks", "memory used", "of high wm", "evictions",
                "evicted", "leased", "pinned", "relayed", "copies waiting", "ssd blocks", "ssd used");
            for (ServerStats s : nodes) {
                var n = s.stats();
                boolean ssd = s.lowerTierBlocks() >= 0;
                t.row(s.consistentId(), s.endpoint(), n.blocks(),
                    TextTable.bytes(n.bytesUsed()) + " / " + TextTable.bytes(n.capacityBytes()),
                    String.format("%.1f%%", 100 * ofHighWatermark(s)), n.evictions(),
                    TextTable.bytes(n.evictedBytes()), n.leased(), n.pinned(), s.relayedRequests(),
                    s.copiesWaiting(),
                    ssd ? s.lowerTierBlocks() : "-",
                    ssd ? TextTable.bytes(s.lowerTierBytes()) + " / " + TextTable.bytes(s.lowerTierCapacityBytes())
                        : "-");
            }
            t.print(out);
            return 0;
        }
    }

    /** Memory used as a fraction of the fill where the node starts evicting (1.0: it evicts from here on). */
    private static double ofHighWatermark(ServerStats s) {
        double limit = s.stats().capacityBytes() * s.highWatermark();
        return limit <= 0 ? 0 : s.stats().bytesUsed() / limit;
    }

    private static Map<String, Object> json(ServerStats s) {
        var n = s.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", s.consistentId());
        m.put("endpoint", s.endpoint());
        m.put("blocks", n.blocks());
        m.put("bytesUsed", n.bytesUsed());
        m.put("capacityBytes", n.capacityBytes());
        m.put("highWatermark", s.highWatermark());
        m.put("highWatermarkFill", ofHighWatermark(s));
        m.put("evictions", n.evictions());
        m.put("evictedBytes", n.evictedBytes());
        m.put("leased", n.leased());
        m.put("pinned", n.pinned());
        m.put("relayedRequests", s.relayedRequests());
        m.put("copiesWaiting", s.copiesWaiting());
        m.put("copiesRestored", s.copiesRestored());
        Map<String, Object> ssd = null;
        if (s.lowerTierBlocks() >= 0) {
            ssd = new LinkedHashMap<>();
            ssd.put("blocks", s.lowerTierBlocks());
            ssd.put("bytesUsed", s.lowerTierBytes());
            ssd.put("capacityBytes", s.lowerTierCapacityBytes());
        }
        m.put("ssd", ssd);
        return m;
    }
}
