package io.kvgrid.tls;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mutual TLS from a {@link TlsDirectory} ({@code kvgrid certs --out DIR}), for thin clients and for nodes built in
 * Java (kvgrid-tls.xml does the same for XML-configured nodes).
 *
 * <pre>{@code
 * ClientConfiguration c = KvGridTls.clientConfiguration(Path.of("/etc/kvgrid/tls"), "vllm")
 *     .setAddresses("10.0.0.5:10800");
 * try (KvGridClient store = KvGridClient.connect(c)) { ... }
 * KvGridTls.applyToNode(igniteCfg, Path.of("/etc/kvgrid/tls"), "node-0");
 * }</pre>
 */
public final class KvGridTls {
    private KvGridTls() {
    }

    /**
     * A thin-client configuration (no addresses yet) that presents {@code dir/<client>.p12} and trusts only the
     * cluster's CA. INVALID_ARGUMENT naming {@code client} when the directory has no such key store, its
     * certificate is not valid now or carries no client role (the servers would refuse it with no more than a closed
     * connection, or none at all before the client's timeout).
     */
    public static ClientConfiguration clientConfiguration(Path dir, String client) {
        if (dir == null || !Files.isDirectory(dir))
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "tlsDir", dir + " is not a directory made by kvgrid certs");
        Path keys = TlsDirectory.keyStore(dir, client);
        if (!Files.isRegularFile(keys))
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "client", "no key store " + keys.getFileName()
                + " in " + dir);
        try {
            var cert = (java.security.cert.X509Certificate) TlsDirectory.load(dir, keys.getFileName().toString())
                .getCertificate(client);
            if (cert == null)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "client", keys + " holds no key of " + client);
            cert.checkValidity();
            // The connector's TLS refuses a certificate without a role, and Ignite's thin client may not notice the
            // refusal before its timeout (60 s by default): say so here, at once.
            if (CertificateMarks.role(cert) == null)
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "client", "the certificate of " + client + " in "
                    + dir + " carries no kvgrid role" + (CertificateMarks.isNode(cert) ? " (it is a node's)" : "")
                    + ", so the servers refuse it; issue a client certificate with kvgrid certs --clients "
                    + "NAME:ROLE");
        } catch (java.security.cert.CertificateExpiredException | java.security.cert.CertificateNotYetValidException e) {
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "client", "the certificate of " + client + " in "
                + dir + " is not valid now (" + e.getMessage() + "); issue a new one with kvgrid certs", e);
        } catch (java.security.KeyStoreException e) {
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "client", "cannot read " + keys + ": " + e, e);
        }
        return unchecked(dir, keys);
    }

    /** The configuration without the client-side checks (tests use it to see what the servers refuse). */
    static ClientConfiguration unchecked(Path dir, Path keys) {
        return new ClientConfiguration()
            .setSslMode(SslMode.REQUIRED)
            .setSslClientCertificateKeyStorePath(keys.toString())
            .setSslClientCertificateKeyStoreType("PKCS12")
            .setSslKeyAlgorithm(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm())
            .setSslClientCertificateKeyStorePassword(new String(TlsDirectory.password(dir, keys.getFileName().toString())))
            .setSslTrustCertificateKeyStorePath(dir.resolve(TlsDirectory.TRUST_STORE).toString())
            .setSslTrustCertificateKeyStoreType("PKCS12")
            .setSslTrustCertificateKeyStorePassword(new String(TlsDirectory.password(dir, TlsDirectory.TRUST_STORE)));
    }

    /**
     * Turns on TLS for discovery and communication (node certificates only) and mutual TLS on the thin-client
     * connector (client certificates with a role required), with node key store {@code dir/<node>.p12}.
     */
    public static IgniteConfiguration applyToNode(IgniteConfiguration cfg, Path dir, String node) {
        if (!Files.isRegularFile(TlsDirectory.keyStore(dir, node)))
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsNode", "no key store " + node + ".p12 in " + dir);
        cfg.setSslContextFactory(new KvGridSslContextFactory(dir.toString(), node, "nodes"));
        ClientConnectorConfiguration conn = cfg.getClientConnectorConfiguration() == null
            ? new ClientConnectorConfiguration() : cfg.getClientConnectorConfiguration();
        cfg.setClientConnectorConfiguration(conn.setSslEnabled(true).setSslClientAuth(true)
            .setUseIgniteSslContextFactory(false)
            .setSslContextFactory(new KvGridSslContextFactory(dir.toString(), node, "clients")));
        return cfg;
    }
}
