package io.kvgrid;

import java.util.Locale;

/**
 * What a thin client may do, taken from its TLS client certificate (subject {@code OU=kvgrid-role-<role>}, issued by
 * {@code kvgrid certs --clients NAME:ROLE}). Each role includes the ones before it. A thin client without a
 * certificate (a connector without TLS, as in the default configurations bound to 127.0.0.1) is {@link #ADMIN}.
 * Raw writes, clears and destroys of kvgrid's caches are refused for every role.
 *
 * <pre>{@code
 * ClientRole r = ClientRole.parse("write");
 * assert r.allows(ClientRole.READ) && !r.allows(ClientRole.ADMIN);
 * }</pre>
 */
public enum ClientRole {
    /** get, getShards, lookup, lookupOnPrefix, load/prefetch, query, listKeys, server stats. */
    READ,
    /** READ plus put, upsert, dump of shards and remove of named blocks. */
    WRITE,
    /** Everything, including removeByRegex and cluster-wide operations. */
    ADMIN;

    /** The lower-case name used in certificates and on the command line. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this role may do what {@code needed} may. */
    public boolean allows(ClientRole needed) {
        return ordinal() >= needed.ordinal();
    }

    /** {@code read}, {@code write} or {@code admin} (any case); INVALID_ARGUMENT naming {@code role} otherwise. */
    public static ClientRole parse(String role) {
        if (role != null)
            for (ClientRole r : values())
                if (r.label().equalsIgnoreCase(role.trim()))
                    return r;
        throw new KvGridException(ErrorCode.INVALID_ARGUMENT, "role", "'" + role + "' is not read, write or admin");
    }
}
