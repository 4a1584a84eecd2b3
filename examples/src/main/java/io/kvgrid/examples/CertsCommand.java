package io.kvgrid.examples;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.tls.TlsDirectory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code kvgrid certs}: a CA and the key stores of a cluster's nodes and clients, for kvgrid-tls.xml and
 * {@code --tls-dir} ({@link TlsDirectory} writes them).
 *
 * <pre>{@code
 * ./kvgrid certs --out /etc/kvgrid/tls --nodes 3 --clients admin,vllm:write,dashboard:read --days 365
 * }</pre>
 */
final class CertsCommand {
    static final String USAGE = """
        usage: kvgrid certs --out DIR [--nodes N] [--clients NAME[:ROLE],...] [--days D]

        Creates a certificate authority and, signed by it, one PKCS#12 key store per node (node-0.p12 ...) and per
        client (NAME.p12), the trust store truststore.p12 and passwords.properties (each store's password). Files
        are readable by their owner only (600, directory 700); existing keys are never overwritten. Copy DIR (less
        ca.p12, the CA's key) to each node and each client's NAME.p12 with truststore.p12 and its password line.

          --out DIR         directory to write (created if absent)
          --nodes N         node key stores to create (default 1)
          --clients LIST    clients as NAME or NAME:ROLE, comma-separated; ROLE is read, write or admin (default
                            admin); default: admin
          --days D          validity of every certificate in days (default 365)

        Then: kvgrid node --config kvgrid-tls.xml --tls-dir DIR --tls-node node-0
              kvgrid put --connect HOST:PORT --tls-dir DIR --client admin KEY FILE
        """;

    private CertsCommand() {
    }

    static int run(String[] args, PrintStream out) {
        CliArgs a = new CliArgs(args, Set.of("--out", "--nodes", "--clients", "--days"), Set.of("--help"));
        if (a.flag("--help")) {
            out.print(USAGE);
            return 0;
        }
        String dir = a.string("--out");
        if (dir == null)
            throw new UsageException("--out DIR is required");
        int nodes = a.intNumber("--nodes", 1, 1, 1000);
        int days = a.intNumber("--days", 365, 1, 36_500);
        Map<String, ClientRole> clients = clients(a.has("--clients") ? a.string("--clients") : "admin");
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
