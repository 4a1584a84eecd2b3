package io.kvgrid.examples;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.client.KvGridClient;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * The flags every command of a running cluster shares (a picocli mixin): where the cluster is and, with TLS, which
 * key store to present.
 */
final class ConnectOptions {
    @Option(names = "--connect", paramLabel = "HOSTS", converter = Flags.NonEmpty.class,
        description = "thin-client addresses of kvgrid nodes, host:port[,host:port...] ('kvgrid node' prints its "
            + "own); one reachable node is enough")
    String hosts;
    @Option(names = "--tls-dir", paramLabel = "DIR", converter = Flags.NonEmpty.class,
        description = "connect over mutual TLS with a key store from DIR, made by 'kvgrid certs' (required by nodes "
            + "started with kvgrid-tls.xml)")
    String tlsDir;
    @Option(names = "--client", paramLabel = "NAME", converter = Flags.NonEmpty.class,
        description = "the client key store in DIR to present (default: admin); its role (read, write, admin) bounds "
            + "what the command may do")
    String client;

    /** The checks picocli does not make: --connect is required, --client goes with --tls-dir. */
    void validate() {
        if (hosts == null)
            throw new UsageException("--connect HOST:PORT[,HOST:PORT...] is required");
        if (client != null && tlsDir == null)
            throw new UsageException("--client needs --tls-dir DIR (the directory 'kvgrid certs' wrote)");
    }

    /**
     * Connects to {@code --connect}. A malformed host list, or one that reaches no kvgrid cluster, is a command-line
     * error (exit 2): nothing was done, and the same command with the right address would work.
     */
    KvGridClient connect() {
        try {
            if (tlsDir != null)
                return KvGridClient.connect(hosts, Path.of(tlsDir), client != null ? client : "admin");
            return KvGridClient.connect(hosts);
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
}
