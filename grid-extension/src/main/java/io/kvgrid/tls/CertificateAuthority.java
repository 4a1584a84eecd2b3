package io.kvgrid.tls;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A small certificate authority for one kvgrid cluster: an EC P-256 CA that issues node certificates (subject
 * {@code CN=<name>, OU=kvgrid-node}, usable for both ends of node-to-node TLS) and client certificates (subject
 * {@code CN=<name>, OU=kvgrid-role-<role>}, client authentication only). {@link TlsDirectory} writes them as PKCS#12
 * key stores; {@link CertificateMarks} reads the marks back on the server.
 *
 * <pre>{@code
 * CertificateAuthority ca = CertificateAuthority.create("kvgrid-ca", Duration.ofDays(365));
 * Issued reader = ca.issueClient("dashboard", ClientRole.READ, Instant.now(), Instant.now().plus(Duration.ofDays(30)));
 * }</pre>
 */
public final class CertificateAuthority {
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;

    private CertificateAuthority(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A key and the certificate chain (leaf first, then the CA) that proves it. */
    public record Issued(PrivateKey key, X509Certificate[] chain) {
        /** The leaf certificate. */
        public X509Certificate certificate() {
            return chain[0];
        }
    }

    /** A new self-signed CA named {@code CN=<name>, O=kvgrid}, valid from now for {@code validity}. */
    public static CertificateAuthority create(String name, Duration validity) {
        checkValidity(validity);
        try {
            KeyPair kp = newKeyPair();
            X500Name subject = new X500Name("CN=" + name + ", O=kvgrid");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            return new CertificateAuthority(kp, sign(b, kp.getPrivate()));
        } catch (GeneralSecurityException | org.bouncycastle.cert.CertIOException e) {
            throw new KvGridException(ErrorCode.INTERNAL, null, "cannot create a CA: " + e, e);
        }
    }

    /** The CA of an existing key and certificate (as {@link TlsDirectory#authority} reads them back). */
    public static CertificateAuthority of(PrivateKey key, X509Certificate certificate) {
        return new CertificateAuthority(new KeyPair(certificate.getPublicKey(), key), certificate);
    }

    /** The CA's own certificate: what every node and client trusts. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** The CA's private key (kept in {@code ca.p12}). */
    public PrivateKey key() {
        return keys.getPrivate();
    }

    /** A node certificate valid from now for {@code validity}, for 127.0.0.1 and localhost. */
    public Issued issueNode(String name, Duration validity) {
        checkValidity(validity);
        Instant now = Instant.now();
        return issue("CN=" + name + ", OU=" + CertificateMarks.NODE_UNIT + ", O=kvgrid", now.minus(Duration.ofMinutes(5)),
            now.plus(validity), true);
    }

    /** A client certificate for {@code role}, valid in [notBefore, notAfter] (a past window makes an expired one). */
    public Issued issueClient(String name, ClientRole role, Instant notBefore, Instant notAfter) {
        if (role == null)
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "role", "must not be null");
        if (notBefore == null || notAfter == null || !notAfter.isAfter(notBefore))
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "notAfter", "must be later than notBefore");
        return issue("CN=" + name + ", OU=" + CertificateMarks.ROLE_UNIT_PREFIX + role.label() + ", O=kvgrid",
            notBefore, notAfter, false);
    }

    private Issued issue(String subject, Instant notBefore, Instant notAfter, boolean node) {
        try {
            KeyPair kp = newKeyPair();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore),
                Date.from(notAfter), new X500Name(subject), kp.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, node
                ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            if (node)
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            return new Issued(kp.getPrivate(), new X509Certificate[] {sign(b, keys.getPrivate()), certificate});
        } catch (GeneralSecurityException | org.bouncycastle.cert.CertIOException e) {
            throw new KvGridException(ErrorCode.INTERNAL, null, "cannot issue " + subject + ": " + e, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(key);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).setBit(63);
    }

    private static void checkValidity(Duration validity) {
        if (validity == null || validity.isNegative() || validity.isZero())
            throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "validity", "must be positive, not " + validity);
    }
}
