package io.kvgrid.tls;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.ssl.AbstractSslContextFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * Ignite's SSL context for a kvgrid node, from a {@link TlsDirectory}: the node's key store ({@code keyStore}, e.g.
 * {@code node-0}) and the cluster's trust store, passwords from the directory's password file. Beyond the CA's
 * signature and validity it checks what the peer is: with {@code peers = nodes} (discovery and communication) only
 * node certificates are accepted, so a client's key cannot join the cluster; with {@code peers = clients} (the
 * thin-client connector) only client certificates carrying a role.
 *
 * <pre>{@code
 * cfg.setSslContextFactory(new KvGridSslContextFactory("/etc/kvgrid/tls", "node-0", "nodes"));
 * }</pre>
 */
public final class KvGridSslContextFactory extends AbstractSslContextFactory {
    private static final long serialVersionUID = 1L;

    private String directory;
    private String keyStore;
    private String peers = "nodes";
    private static final String NODES_AND_CLIENTS = "nodes+clients";

    /** For Spring: set {@code directory}, {@code keyStore} and {@code peers}. */
    public KvGridSslContextFactory() {
    }

    public KvGridSslContextFactory(String directory, String keyStore, String peers) {
        setDirectory(directory);
        setKeyStore(keyStore);
        setPeers(peers);
    }

    /** The directory {@code kvgrid certs --out} wrote (with its trust store and password file). */
    public void setDirectory(String directory) {
        if (directory == null || directory.isBlank())
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", "must name the directory of kvgrid certs "
                + "(kvgrid node --tls-dir DIR, or -Dkvgrid.tls.dir=DIR)");
        Path dir = Path.of(directory);
        for (String f : new String[] {TlsDirectory.TRUST_STORE, TlsDirectory.PASSWORDS})
            if (!java.nio.file.Files.isRegularFile(dir.resolve(f)))
                throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", "no " + f + " in " + directory
                    + " (kvgrid certs --out DIR writes it)");
        this.directory = directory;
        checkKeyStore();
    }

    /** The key store's name without {@code .p12}: {@code node-0}, {@code admin} ... */
    public void setKeyStore(String keyStore) {
        if (keyStore == null || keyStore.isBlank())
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsNode", "must name a key store such as node-0");
        this.keyStore = keyStore;
        checkKeyStore();
    }

    private void checkKeyStore() {
        if (directory != null && keyStore != null
            && !java.nio.file.Files.isRegularFile(Path.of(directory).resolve(keyStore + ".p12")))
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsNode", "no key store " + keyStore + ".p12 in "
                + directory);
    }

    /** {@code nodes} or {@code clients}: whose certificates this context accepts. */
    public void setPeers(String peers) {
        String p = peers == null ? "" : peers.trim().toLowerCase(Locale.ROOT);
        if (!p.equals("nodes") && !p.equals("clients"))
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "peers", "'" + peers + "' is not nodes or clients");
        this.peers = p;
    }

    /**
     * This context for a block channel ({@code BlockChannelServer}), which serves other nodes and thin clients alike:
     * it accepts node certificates and client certificates with a role. Not settable from configuration, so no
     * discovery or communication context can be opened to clients by mistake.
     */
    public KvGridSslContextFactory forBlockChannel() {
        KvGridSslContextFactory f = new KvGridSslContextFactory(directory, keyStore, "nodes");
        f.peers = NODES_AND_CLIENTS;
        f.setProtocol(getProtocol());
        if (getProtocols() != null)
            f.setProtocols(getProtocols());
        if (getCipherSuites() != null)
            f.setCipherSuites(getCipherSuites());
        return f;
    }

    @Override
    protected void checkParameters() throws SSLException {
        checkNullParameter(directory, "directory");
        checkNullParameter(keyStore, "keyStore");
    }

    @Override
    protected KeyManager[] createKeyManagers() throws SSLException {
        Path dir = Path.of(directory);
        try {
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(TlsDirectory.load(dir, keyStore + ".p12"), TlsDirectory.password(dir, keyStore + ".p12"));
            return f.getKeyManagers();
        } catch (GeneralSecurityException | KvGridException e) {
            throw new SSLException("kvgrid key store " + keyStore + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected TrustManager[] createTrustManagers() throws SSLException {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(TlsDirectory.load(Path.of(directory), TlsDirectory.TRUST_STORE));
            for (TrustManager tm : f.getTrustManagers())
                if (tm instanceof X509ExtendedTrustManager x)
                    return new TrustManager[] {new MarkedPeers(x, !peers.equals("clients"), !peers.equals("nodes"))};
            throw new SSLException("no X.509 trust manager for " + directory);
        } catch (GeneralSecurityException | KvGridException e) {
            throw new SSLException("kvgrid trust store in " + directory + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "KvGridSslContextFactory[directory=" + directory + ", keyStore=" + keyStore + ", peers=" + peers + "]";
    }

    /** The CA's checks, then the mark of the peer's certificate. */
    private static final class MarkedPeers extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager ca;
        private final boolean nodes;
        private final boolean clients;

        MarkedPeers(X509ExtendedTrustManager ca, boolean nodes, boolean clients) {
            this.ca = ca;
            this.nodes = nodes;
            this.clients = clients;
        }

        private void mark(X509Certificate[] chain) throws CertificateException {
            X509Certificate leaf = chain[0];
            if (nodes && CertificateMarks.isNode(leaf) || clients && CertificateMarks.role(leaf) != null)
                return;
            String node = "node certificate (OU=" + CertificateMarks.NODE_UNIT + ")";
            String client = "client certificate (OU=" + CertificateMarks.ROLE_UNIT_PREFIX + "<role>)";
            throw new CertificateException("certificate " + leaf.getSubjectX500Principal() + " is not a kvgrid "
                + (nodes && clients ? node + " or " + client : nodes ? node : client));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            ca.checkClientTrusted(chain, authType, s);
            mark(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s) throws CertificateException {
            ca.checkServerTrusted(chain, authType, s);
            mark(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e)
            throws CertificateException {
            ca.checkClientTrusted(chain, authType, e);
            mark(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e)
            throws CertificateException {
            ca.checkServerTrusted(chain, authType, e);
            mark(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ca.checkClientTrusted(chain, authType);
            mark(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            ca.checkServerTrusted(chain, authType);
            mark(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.getAcceptedIssuers();
        }
    }
}
