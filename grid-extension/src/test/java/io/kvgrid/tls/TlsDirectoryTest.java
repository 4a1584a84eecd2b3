package io.kvgrid.tls;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The files of {@code kvgrid certs}: owner-only, signed by their CA, marked as nodes or with a client's role. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TlsDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void aNewDirectoryHoldsOwnerOnlyKeyStoresSignedByItsCaAndMarkedWithTheirRoles() throws Exception {
        Path dir = tmp.resolve("tls");
        Map<String, ClientRole> clients = new LinkedHashMap<>();
        clients.put("admin", ClientRole.ADMIN);
        clients.put("engine", ClientRole.WRITE);
        CertificateAuthority ca = TlsDirectory.create(dir, 2, clients, 30);

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(Set.of("ca.p12", "node-0.p12", "node-1.p12", "admin.p12", "engine.p12", "truststore.p12",
                "passwords.properties"), files.map(f -> f.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList())
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
        }

        X509Certificate node = leaf(dir, "node-1");
        node.verify(ca.certificate().getPublicKey());
        assertTrue(CertificateMarks.isNode(node));
        assertNull(CertificateMarks.role(node));
        X509Certificate engine = leaf(dir, "engine");
        engine.verify(ca.certificate().getPublicKey());
        assertEquals(ClientRole.WRITE, CertificateMarks.role(engine));
        assertEquals("engine", CertificateMarks.commonName(engine));
        assertFalse(CertificateMarks.isNode(engine));
        assertTrue(engine.getNotAfter().getTime() - System.currentTimeMillis() > 29L * 24 * 3600 * 1000);
        assertEquals(ca.certificate(), TlsDirectory.load(dir, TlsDirectory.TRUST_STORE).getCertificate("kvgrid-ca"));
        assertEquals(ca.certificate(), TlsDirectory.authority(dir).certificate());
    }

    @Test
    void existingKeysAreNeverOverwrittenAndBadSettingsNameTheirArgument() {
        Path dir = tmp.resolve("tls");
        TlsDirectory.create(dir, 1, Map.of("admin", ClientRole.ADMIN), 1);
        assertArgument("out", () -> TlsDirectory.create(dir, 1, Map.of("admin", ClientRole.ADMIN), 1));
        assertArgument("nodes", () -> TlsDirectory.create(tmp.resolve("a"), 0, Map.of("admin", ClientRole.ADMIN), 1));
        assertArgument("days", () -> TlsDirectory.create(tmp.resolve("b"), 1, Map.of("admin", ClientRole.ADMIN), 0));
        assertArgument("clients", () -> TlsDirectory.create(tmp.resolve("c"), 1, Map.of("node-7", ClientRole.READ), 1));
        assertArgument("clients", () -> TlsDirectory.create(tmp.resolve("d"), 1, Map.of("../x", ClientRole.READ), 1));
        assertArgument("role", () -> ClientRole.parse("root"));
        assertFalse(Files.exists(tmp.resolve("d").resolve("ca.p12")), "a refused directory gets no CA");
    }

    private static X509Certificate leaf(Path dir, String name) throws Exception {
        KeyStore ks = TlsDirectory.load(dir, name + ".p12");
        return (X509Certificate) ks.getCertificate(name);
    }

    private static void assertArgument(String arg, org.junit.jupiter.api.function.Executable call) {
        KvGridException e = assertThrows(KvGridException.class, call);
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertEquals(arg, e.argument(), e.getMessage());
    }
}
