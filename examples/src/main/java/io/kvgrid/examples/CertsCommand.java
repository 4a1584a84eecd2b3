package io.kvgrid.examples;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.tls.TlsDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kvgrid certs}: a CA and the key stores of a cluster's nodes and clients, for kvgrid-tls.xml and
 * {@code --tls-dir} ({@link TlsDirectory} writes them).
 *
 * <pre>{@code
 * ./kvgrid certs --out /etc/kvgrid/tls --nodes 3 --clients admin,vllm:write,dashboard:read --days 365
 * }</pre>
 */
@Command(name = "certs", customSynopsis = "kvgrid certs --out DIR [--nodes N] [--clients NAME[:ROLE],...] [--days D]",
    description = {"create a CA and TLS key stores for nodes and clients (kvgrid-tls.xml, --tls-dir)", "",
        "Creates a certificate authority and, signed by it, one PKCS#12 key store per node (node-0.p12 ...) and per "
            + "client (NAME.p12), the trust store truststore.p12 and passwords.properties (each store's password). "
            + "Files are readable by their owner only (600, directory 700); existing keys are never overwritten. "
            + "Copy DIR (less ca.p12, the CA's key) to each node and each client's NAME.p12 with truststore.p12 and "
            + "its password line."},
    footer = {"Then: kvgrid node --config kvgrid-tls.xml --tls-dir DIR --tls-node node-0",
        "      kvgrid put --connect HOST:PORT --tls-dir DIR --client admin KEY FILE"})
final class CertsCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", converter = Flags.NonEmpty.class,
        description = "directory to write (created if absent)")
    String dir;
    @Option(names = "--nodes", paramLabel = "N", description = "node key stores to create, 1 to 1000 (default 1)")
    Long nodeCount;
    @Option(names = "--clients", paramLabel = "LIST", converter = Flags.NonEmpty.class,
        description = "clients as NAME or NAME:ROLE, comma-separated; ROLE is read, write or admin (default admin); "
            + "default: admin")
    String clientList;
    @Option(names = "--days", paramLabel = "D",
        description = "validity of every certificate in days, 1 to 36500 (default 365)")
    Long validDays;

    private final PrintStream out;

    CertsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (dir == null)
            throw new UsageException("--out DIR is required");
        int nodes = Flags.intNumber("--nodes", nodeCount, 1, 1, 1000);
        int days = Flags.intNumber("--days", validDays, 365, 1, 36_500);
        Map<String, ClientRole> clients = clients(clientList == null ? "admin" : clientList);
        Path out0 = Path.of(dir).toAbsolutePath();
        try {
            TlsDirectory.create(out0, nodes, clients, days);
        } catch (KvGridException e) {
            if (e.code() == ErrorCode.INVALID_ARGUMENT)
                throw new UsageException("--" + e.argument() + ": " + e.detail());
            throw e;
        }
        out.println("kvgrid certs: wrote a CA, " + nodes + " node key store(s) (node-0.p12"
            + (nodes > 1 ? " .. node-" + (nodes - 1) + ".p12" : "") + ") and client key store(s) " + clients
            + ", valid " + days + " days, to " + out0);
        out.println("  start nodes: kvgrid node --config kvgrid-tls.xml --tls-dir " + out0 + " --tls-node node-0");
        out.println("  connect:     kvgrid stats --connect 127.0.0.1:10800 --tls-dir " + out0 + " --client "
            + clients.keySet().iterator().next());
        out.println("  keep " + out0.resolve(TlsDirectory.CA_STORE) + " (the CA's key) off the nodes");
        return 0;
    }

    /** {@code NAME[:ROLE],...} in order; a bad role or a repeated name is a usage error naming --clients. */
    static Map<String, ClientRole> clients(String list) {
        Map<String, ClientRole> out = new LinkedHashMap<>();
        for (String item : list.split(",")) {
            String t = item.trim();
            int colon = t.indexOf(':');
            String name = colon < 0 ? t : t.substring(0, colon);
            ClientRole role;
            try {
                role = colon < 0 ? ClientRole.ADMIN : ClientRole.parse(t.substring(colon + 1));
            } catch (KvGridException e) {
                throw new UsageException("--clients: " + e.detail());
            }
            if (name.isEmpty())
                throw new UsageException("--clients: '" + item + "' has no name");
            if (out.put(name, role) != null)
                throw new UsageException("--clients: " + name + " is listed twice");
        }
        return out;
    }
}
