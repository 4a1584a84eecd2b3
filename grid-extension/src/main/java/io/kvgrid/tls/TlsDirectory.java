package io.kvgrid.tls;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * The files {@code kvgrid certs --out DIR} writes and TLS nodes and clients read: {@code ca.p12} (the CA's key: keep it
 * off the nodes once the certificates are issued), {@code node-<i>.p12}, {@code <client>.p12}, {@code truststore.p12}
 * (the CA certificate) and {@code passwords.properties} (one random password per store file). Files are created
 * owner-only (POSIX 600) in a directory that is owner-only (700), and never overwritten.
 *
 * <pre>{@code
 * TlsDirectory.create(Path.of("/etc/kvgrid/tls"), 3, Map.of("admin", ClientRole.ADMIN, "vllm", ClientRole.WRITE), 365);
 * }</pre>
 */
public final class TlsDirectory {
    /** The trust store every node and client loads. */
    public static final String TRUST_STORE = "truststore.p12";
    /** The CA's own key store. */
    public static final String CA_STORE = "ca.p12";
    /** Store file name → password. */
    public static final String PASSWORDS = "passwords.properties";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private TlsDirectory() {
    }

    /** The key store file of node or client {@code name}. */
    public static Path keyStore(Path dir, String name) {
        return dir.resolve(checkName(name, "name") + ".p12");
    }

    /**
     * Writes a new CA, {@code nodes} node key stores ({@code node-0} ...), one key store per client, the trust store
     * and the password file into {@code dir} (created if absent; existing key stores are an INVALID_ARGUMENT).
     */
    public static CertificateAuthority create(Path dir, int nodes, Map<String, ClientRole> clients, int days) {
        if (nodes < 1 || nodes > 1000)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "nodes", "must be 1..1000, not " + nodes);
        if (days < 1)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "days", "must be at least 1, not " + days);
        if (clients == null || clients.isEmpty())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "clients", "name at least one client");
        for (String c : clients.keySet()) {
            checkName(c, "clients");
            if (c.startsWith("node-") || c.equals("ca") || c.equals("truststore"))
                throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "clients", "'" + c
                    + "' is reserved for node, CA or trust store files");
        }
        Duration validity = Duration.ofDays(days);
        makeDirectory(dir);
        CertificateAuthority ca = CertificateAuthority.create("kvgrid-ca-" + Long.toHexString(RANDOM.nextLong()),
            validity);
        writeKey(dir, "ca", ca.key(), new X509Certificate[] {ca.certificate()});
        writeTrust(dir, ca.certificate());
        for (int i = 0; i < nodes; i++) {
            CertificateAuthority.Issued n = ca.issueNode("node-" + i, validity);
            writeKey(dir, "node-" + i, n.key(), n.chain());
        }
        Instant now = Instant.now();
        clients.forEach((name, role) -> addClient(dir, ca, name, role, now.minus(Duration.ofMinutes(5)),
            now.plus(validity)));
        return ca;
    }

    /** The CA kept in {@code dir/ca.p12}, to issue more certificates. */
    public static CertificateAuthority authority(Path dir) {
        KeyStore ks = load(dir, CA_STORE);
        try {
            return CertificateAuthority.of((PrivateKey) ks.getKey("ca", password(dir, CA_STORE)),
                (X509Certificate) ks.getCertificate("ca"));
        } catch (GeneralSecurityException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", "cannot read " + dir.resolve(CA_STORE), e);
        }
    }

    /** Issues a client certificate of {@code ca} valid in [notBefore, notAfter] and writes {@code dir/<name>.p12}. */
    public static Path addClient(Path dir, CertificateAuthority ca, String name, ClientRole role, Instant notBefore,
                                 Instant notAfter) {
        CertificateAuthority.Issued c = ca.issueClient(checkName(name, "clients"), role, notBefore, notAfter);
        return writeKey(dir, name, c.key(), c.chain());
    }

    /** The password of store file {@code file} (e.g. {@code node-0.p12}) from {@code dir/passwords.properties}. */
    public static char[] password(Path dir, String file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(PASSWORDS))) {
            p.load(in);
        } catch (IOException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", "cannot read " + dir.resolve(PASSWORDS)
                + " (made by kvgrid certs): " + e.getMessage(), e);
        }
        String pw = p.getProperty(file);
        if (pw == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", dir.resolve(PASSWORDS) + " has no password for "
                + file + "; is " + file + " a store of this directory?");
        return pw.toCharArray();
    }

    /** The key or trust store {@code file} of {@code dir}, opened with its password. */
    public static KeyStore load(Path dir, String file) {
        Path path = dir.resolve(file);
        if (!Files.isRegularFile(path))
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", "no " + file + " in " + dir
                + " (kvgrid certs --out DIR writes it)");
        try (InputStream in = Files.newInputStream(path)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password(dir, file));
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "tlsDir", "cannot open " + path + ": " + e.getMessage(), e);
        }
    }

    private static Path writeKey(Path dir, String name, PrivateKey key, X509Certificate[] chain) {
        return write(dir, name + ".p12", ks -> ks.setKeyEntry(name, key, password(dir, name + ".p12"), chain));
    }

    private static void writeTrust(Path dir, X509Certificate ca) {
        write(dir, TRUST_STORE, ks -> ks.setCertificateEntry("kvgrid-ca", ca));
    }

    private interface Fill {
        void into(KeyStore ks) throws GeneralSecurityException;
    }

    /** Adds a fresh password for {@code file} to the password file, then writes the store owner-only. */
    private static synchronized Path write(Path dir, String file, Fill fill) {
        Path path = dir.resolve(file);
        try {
            if (Files.exists(path))
                throw new FileAlreadyExistsException(path.toString());
            byte[] secret = new byte[18];
            RANDOM.nextBytes(secret);
            String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            Path passwords = dir.resolve(PASSWORDS);
            if (!Files.exists(passwords))
                createOwnerOnly(passwords);
            Files.writeString(passwords, file + "=" + pw + "\n", StandardOpenOption.APPEND);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            fill.into(ks);
            createOwnerOnly(path);
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.TRUNCATE_EXISTING)) {
                ks.store(out, pw.toCharArray());
            }
            return path;
        } catch (FileAlreadyExistsException e) {
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "out", path + " exists; kvgrid never overwrites keys");
        } catch (IOException | GeneralSecurityException e) {
            throw new KvGridException(ErrorCode.INTERNAL, "out", "cannot write " + path + ": " + e, e);
        }
    }

    private static void makeDirectory(Path dir) {
        try {
            if (!Files.isDirectory(dir))
                Files.createDirectories(dir);
            if (Files.getFileStore(dir).supportsFileAttributeView("posix"))
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "out", "cannot create " + dir + ": " + e, e);
        }
    }

    private static void createOwnerOnly(Path file) throws IOException {
        if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix"))
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        else
            Files.createFile(file);
    }

    private static String checkName(String name, String arg) {
        if (name == null || !NAME.matcher(name).matches())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, arg, "'" + name
                + "' is not a name of 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit");
        return name;
    }
}
