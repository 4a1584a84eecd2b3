package io.kvgrid.examples;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.PutOptions;
import io.kvgrid.PutResult;
import io.kvgrid.client.KvGridClient;
import io.kvgrid.client.ServerStats;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    static final String CONNECT_HELP = """
          --connect HOSTS   thin-client addresses of kvgrid nodes, host:port[,host:port...] ('kvgrid node' prints
                            its own); one reachable node is enough
          --tls-dir DIR     connect over mutual TLS with a key store from DIR, made by 'kvgrid certs' (required by
                            nodes started with kvgrid-tls.xml)
          --client NAME     the client key store in DIR to present (default: admin); its role (read, write,
                            admin) bounds what the command may do
        """;

    static final String PUT_USAGE = """
        usage: kvgrid put --connect HOSTS [--tls-dir DIR [--client NAME]] [--replicas R] [--upsert] KEY FILE

        Stores the bytes of FILE as block KEY. Blocks are write-once: an existing KEY is left unchanged (exit 0)
        unless --upsert replaces it.

        """ + CONNECT_HELP + """
          --replicas R      copies to keep (default: the store's replicas setting)
          --upsert          replace KEY if it is already stored
        """;

    static final String GET_USAGE = """
        usage: kvgrid get --connect HOSTS [--tls-dir DIR [--client NAME]] KEY [OUTFILE]

        Writes the bytes of block KEY to OUTFILE, or to standard output when OUTFILE is omitted. A missing KEY is
        an error (exit 1) and writes nothing.

        """ + CONNECT_HELP;

    static final String LS_USAGE = """
        usage: kvgrid ls --connect HOSTS [--tls-dir DIR [--client NAME]] [REGEX]

        Lists the keys of stored blocks that match REGEX as a whole (Java syntax; default .*), one a line, sorted.

        """ + CONNECT_HELP;

    static final String RM_USAGE = """
        usage: kvgrid rm --connect HOSTS [--tls-dir DIR [--client NAME]] [--force] KEY

        Removes block KEY from every tier of every node. A block under a read lease is kept unless --force.

        """ + CONNECT_HELP + """
          --force           remove KEY even while a reader holds a lease on it
        """;

    static final String STATS_USAGE = """
        usage: kvgrid stats --connect HOSTS [--tls-dir DIR [--client NAME]] [--json]

        Prints every server node's counters: blocks, memory used of capacity and of the high watermark (where the
        node starts evicting), evictions, leases, pins, payload requests relayed, and its SSD tier when it has one.

        """ + CONNECT_HELP + """
          --json            one JSON object per node, one a line, instead of the table
        """;

    private ClientCommands() {
    }

    static boolean isCommand(String cmd) {
        return Set.of("put", "get", "ls", "rm", "stats", "fill", "check").contains(cmd);
    }

    /** Runs one client command; returns the exit status. */
    static int run(String cmd, String[] args, PrintStream out, PrintStream err) {
        return switch (cmd) {
            case "put" -> put(args, out);
            case "get" -> get(args, out);
            case "ls" -> ls(args, out);
            case "rm" -> rm(args, out);
            case "stats" -> stats(args, out);
            case "fill" -> FillCheck.fill(args, out);
            case "check" -> FillCheck.check(args, out, err);
            default -> throw new UsageException("unknown command '" + cmd + "'");
        };
    }

    /** Parsed flags, or null once the usage text has been printed for {@code --help}. */
    static CliArgs parse(String[] args, Set<String> values, Set<String> switches, int maxWords, String usage,
                         PrintStream out) {
        Set<String> v = new HashSet<>(values);
        v.add("--connect");
        v.add("--tls-dir");
        v.add("--client");
        Set<String> s = new HashSet<>(switches);
        s.add("--help");
        CliArgs a = new CliArgs(args, v, s, maxWords);
        if (a.flag("--help")) {
            out.print(usage);
            return null;
        }
        if (a.string("--connect") == null)
            throw new UsageException("--connect HOST:PORT[,HOST:PORT...] is required");
        if (a.has("--client") && !a.has("--tls-dir"))
            throw new UsageException("--client needs --tls-dir DIR (the directory 'kvgrid certs' wrote)");
        return a;
    }

    /**
     * Connects to {@code --connect}. A malformed host list, or one that reaches no kvgrid cluster, is a command-line
     * error (exit 2): nothing was done, and the same command with the right address would work.
     */
    static KvGridClient connect(CliArgs a) {
        String tlsDir = a.string("--tls-dir");
        try {
            if (tlsDir != null) {
                String client = a.has("--client") ? a.string("--client") : "admin";
                return KvGridClient.connect(a.string("--connect"), Path.of(tlsDir), client);
            }
            return KvGridClient.connect(a.string("--connect"));
        } catch (KvGridException e) {
            if (e.code() == ErrorCode.INVALID_ARGUMENT && "client".equals(e.argument()))
                throw new UsageException("--client: " + e.detail());
            if ("tlsDir".equals(e.argument()) || e.code() == ErrorCode.INVALID_CONFIG)
                throw new UsageException("--tls-dir: " + e.detail());
            if (e.code() == ErrorCode.INVALID_ARGUMENT)
                throw new UsageException("--connect: " + e.detail());
            throw UsageException.unusable("--connect: " + e.detail());
        }
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

    private static int put(String[] args, PrintStream out) {
        CliArgs a = parse(args, Set.of("--replicas"), Set.of("--upsert"), 2, PUT_USAGE, out);
        if (a == null)
            return 0;
        if (a.positionals().size() != 2)
            throw new UsageException("KEY and FILE are required");
        String key = a.positionals().get(0);
        Path file = Path.of(a.positionals().get(1));
        int replicas = a.intNumber("--replicas", PutOptions.DEFAULT_REPLICAS, 1, Integer.MAX_VALUE);
        PutOptions options = a.has("--replicas") ? PutOptions.builder().replicas(replicas).build()
            : PutOptions.defaults();
        byte[] bytes = readFile(file);
        boolean upsert = a.flag("--upsert");
        PutResult r;
        try (KvGridClient store = connect(a)) {
            r = named(Map.of("key", "KEY", "value", "FILE", "replicas", "--replicas"),
                () -> upsert ? store.upsert(key, bytes, options) : store.put(key, bytes, options));
        }
        // existed(): a write-once put found the key and left it; an upsert always stores (and reports false).
        if (r.existed())
            out.println(key + " exists, left unchanged");
        else
            out.printf("stored %s (%d bytes, %d %s)%n", key, bytes.length, r.replicas(),
                r.replicas() == 1 ? "copy" : "copies");
        return 0;
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

    private static int get(String[] args, PrintStream out) {
        CliArgs a = parse(args, Set.of(), Set.of(), 2, GET_USAGE, out);
        if (a == null)
            return 0;
        if (a.positionals().isEmpty())
            throw new UsageException("KEY is required");
        String key = a.positionals().get(0);
        Path file = a.positionals().size() > 1 ? Path.of(a.positionals().get(1)) : null;
        if (file != null && Files.isDirectory(file))
            throw new UsageException("OUTFILE: " + file + " is a directory");
        byte[] bytes;
        try (KvGridClient store = connect(a)) {
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

    private static int ls(String[] args, PrintStream out) {
        CliArgs a = parse(args, Set.of(), Set.of(), 1, LS_USAGE, out);
        if (a == null)
            return 0;
        String regex = a.positionals().isEmpty() ? ".*" : a.positionals().get(0);
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new UsageException("REGEX: " + e.getDescription() + " at index " + e.getIndex() + " of " + regex);
        }
        List<String> keys;
        try (KvGridClient store = connect(a)) {
            keys = new ArrayList<>(named(Map.of("regex", "REGEX"), () -> store.listKeys(regex)));
        }
        keys.sort(null);
        for (String k : keys)
            out.println(k);
        return 0;
    }

    private static int rm(String[] args, PrintStream out) {
        CliArgs a = parse(args, Set.of(), Set.of("--force"), 1, RM_USAGE, out);
        if (a == null)
            return 0;
        if (a.positionals().isEmpty())
            throw new UsageException("KEY is required");
        String key = a.positionals().get(0);
        try (KvGridClient store = connect(a)) {
            named(Map.of("key", "KEY"), () -> {
                store.remove(key, a.flag("--force"));
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

    private static int stats(String[] args, PrintStream out) {
        CliArgs a = parse(args, Set.of(), Set.of("--json"), 0, STATS_USAGE, out);
        if (a == null)
            return 0;
        List<ServerStats> nodes;
        try (KvGridClient store = connect(a)) {
            nodes = store.serverStats();
        }
        if (a.flag("--json")) {
            for (ServerStats s : nodes)
                out.println(Json.write(json(s)));
            return 0;
        }
        TextTable t = new TextTable("node", "thin clients", "blocks", "memory used", "of high wm", "evictions",
            "evicted", "leased", "pinned", "relayed", "ssd blocks", "ssd used");
        for (ServerStats s : nodes) {
            var n = s.stats();
            boolean ssd = s.lowerTierBlocks() >= 0;
            t.row(s.consistentId(), s.endpoint(), n.blocks(),
                TextTable.bytes(n.bytesUsed()) + " / " + TextTable.bytes(n.capacityBytes()),
                String.format("%.1f%%", 100 * ofHighWatermark(s)), n.evictions(), TextTable.bytes(n.evictedBytes()),
                n.leased(), n.pinned(), s.relayedRequests(), ssd ? s.lowerTierBlocks() : "-",
                ssd ? TextTable.bytes(s.lowerTierBytes()) + " / " + TextTable.bytes(s.lowerTierCapacityBytes()) : "-");
        }
        t.print(out);
        return 0;
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
