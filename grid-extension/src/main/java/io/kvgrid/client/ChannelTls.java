package io.kvgrid.client;

import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.ssl.SslContextFactory;

import javax.cache.configuration.Factory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The TLS of a thin client's block-channel connections: the thin client's own, rebuilt from its configuration (its
 * context factory when it has one, else its key and trust stores), so the channel presents the same certificate and
 * trusts the same servers as the thin-client connection.
 */
final class ChannelTls {
    private ChannelTls() {
    }

    /** False when the client asks for TLS without a certificate to present (the channel takes none without one). */
    static boolean usable(ClientConfiguration c) {
        return c.getSslMode() != SslMode.REQUIRED || c.getSslContextFactory() != null
            || c.getSslClientCertificateKeyStorePath() != null;
    }

    /** The channel's TLS context for {@code c}; null for plain TCP. */
    static Factory<SSLContext> of(ClientConfiguration c) {
        if (c.getSslMode() != SslMode.REQUIRED)
            return null;
        if (c.getSslContextFactory() != null)
            return c.getSslContextFactory();
        SSLContext[] made = new SSLContext[1];
        return () -> {
            synchronized (made) {
                if (made[0] == null)
                    made[0] = build(c);
                return made[0];
            }
        };
    }

    private static SSLContext build(ClientConfiguration c) {
        try {
            String algorithm = c.getSslKeyAlgorithm() == null ? KeyManagerFactory.getDefaultAlgorithm()
                : c.getSslKeyAlgorithm();
            KeyManagerFactory keys = KeyManagerFactory.getInstance(algorithm);
            char[] keyPassword = chars(c.getSslClientCertificateKeyStorePassword());
            keys.init(load(c.getSslClientCertificateKeyStorePath(), c.getSslClientCertificateKeyStoreType(),
                keyPassword), keyPassword);
            TrustManager[] trust;
            if (c.isSslTrustAll()) {
                trust = new TrustManager[] {SslContextFactory.getDisabledTrustManager()};
            } else {
                TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                String path = c.getSslTrustCertificateKeyStorePath();
                f.init(path == null ? null : load(path, c.getSslTrustCertificateKeyStoreType(),
                    chars(c.getSslTrustCertificateKeyStorePassword()))); // null: the JVM's own trust
                trust = f.getTrustManagers();
            }
            String protocol = c.getSslProtocol() == null ? "TLS" : c.getSslProtocol().name().replace('_', '.');
            SSLContext ctx = SSLContext.getInstance(protocol);
            ctx.init(keys.getKeyManagers(), trust, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            // The thin-client connection already opened with these settings, so this is unexpected; the channel's
            // connect fails and the reads take the thin-client protocol.
            throw new IllegalStateException("kvgrid block channel TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore load(String path, String type, char[] password) throws GeneralSecurityException,
        IOException {
        KeyStore ks = KeyStore.getInstance(type == null ? "JKS" : type);
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            ks.load(in, password);
        }
        return ks;
    }

    private static char[] chars(String s) {
        return s == null ? null : s.toCharArray();
    }
}
