package io.kvgrid.tls;

import io.kvgrid.ClientRole;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * Reads what {@link CertificateAuthority} marked in a certificate's subject: {@code OU=kvgrid-node} for a node,
 * {@code OU=kvgrid-role-<role>} for a thin client. Used by the servers' trust checks and the security processor.
 *
 * <pre>{@code
 * ClientRole role = CertificateMarks.role(clientChain[0]);   // null when the certificate is not a kvgrid client's
 * }</pre>
 */
public final class CertificateMarks {
    /** The organizational unit of node certificates. */
    public static final String NODE_UNIT = "kvgrid-node";
    /** The organizational unit of client certificates is this prefix and the role's label. */
    public static final String ROLE_UNIT_PREFIX = "kvgrid-role-";

    private CertificateMarks() {
    }

    /** Whether {@code cert} is a kvgrid node certificate. */
    public static boolean isNode(Certificate cert) {
        return NODE_UNIT.equals(unit(cert));
    }

    /** The client role of {@code cert}, or null when it carries none. */
    public static ClientRole role(Certificate cert) {
        String ou = unit(cert);
        if (ou == null || !ou.startsWith(ROLE_UNIT_PREFIX))
            return null;
        String label = ou.substring(ROLE_UNIT_PREFIX.length()).toLowerCase(Locale.ROOT);
        for (ClientRole r : ClientRole.values())
            if (r.label().equals(label))
                return r;
        return null;
    }

    /** The certificate's common name, or null. */
    public static String commonName(Certificate cert) {
        return attribute(cert, "CN");
    }

    private static String unit(Certificate cert) {
        return attribute(cert, "OU");
    }

    private static String attribute(Certificate cert, String type) {
        if (!(cert instanceof X509Certificate x))
            return null;
        try {
            String found = null;
            for (Rdn rdn : new LdapName(x.getSubjectX500Principal().getName()).getRdns())
                if (rdn.getType().equalsIgnoreCase(type)) {
                    if (found != null)
                        return null; // two units: ambiguous, so no mark
                    found = String.valueOf(rdn.getValue());
                }
            return found;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
