package io.kvgrid.grid;

import io.kvgrid.ClientRole;
import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import io.kvgrid.tls.CertificateMarks;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.internal.GridKernalContext;
import org.apache.ignite.internal.IgniteEx;
import org.apache.ignite.internal.processors.GridProcessorAdapter;
import org.apache.ignite.internal.processors.security.GridSecurityProcessor;
import org.apache.ignite.internal.processors.security.SecurityContext;
import org.apache.ignite.plugin.security.AuthenticationContext;
import org.apache.ignite.plugin.security.SecurityCredentials;
import org.apache.ignite.plugin.security.SecurityException;
import org.apache.ignite.plugin.security.SecurityPermission;
import org.apache.ignite.plugin.security.SecuritySubject;
import org.apache.ignite.plugin.security.SecuritySubjectType;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ignite's security hook, used to keep thin clients off kvgrid's caches ({@link ClientAccessPolicy}). Every node and
 * every thin client is admitted (transport security is TLS's job); what a thin client may do is decided per operation.
 * kvgrid's own code runs with the node's rights: {@link #asNode} switches to them where a thin client's request enters
 * kvgrid, after {@link #require} checked the client's {@link ClientRole}. The role comes from the client's TLS
 * certificate ({@link CertificateMarks#role}); a client without a certificate (a connector without TLS) is ADMIN, as
 * before roles existed; a certificate without a kvgrid role is refused at authentication. This class and {@link PayloadAccess} are the only places that touch Ignite's internals for this.
 */
public final class KvGridSecurityProcessor extends GridProcessorAdapter implements GridSecurityProcessor {
    private final ClientAccessPolicy policy;
    private final Map<UUID, Context> clients = new ConcurrentHashMap<>();

    public KvGridSecurityProcessor(Ignite ignite, String cachePrefix) {
        super(((IgniteEx) ignite).context());
        this.policy = new ClientAccessPolicy(cachePrefix);
    }

    /**
     * Runs the rest of the caller's block with the local node's rights (close the result to switch back). Thin-client
     * requests run with the client's; kvgrid's operations they call write kvgrid's caches and run its jobs.
     */
    public static AutoCloseable asNode(Ignite ignite) {
        GridKernalContext ctx = ((IgniteEx) ignite).context();
        if (!ctx.security().enabled())
            return () -> { };
        return ctx.security().withContext(ctx.localNodeId());
    }

    /** The subject of the operation running in this thread: the thin client's while it calls in, else the node's. */
    public static SecuritySubject caller(Ignite ignite) {
        GridKernalContext ctx = ((IgniteEx) ignite).context();
        return ctx.security().enabled() ? ctx.security().securityContext().subject() : null;
    }

    /** The role of the operation running in this thread: the thin client's, or ADMIN for nodes and embedded code. */
    public static ClientRole role(Ignite ignite) {
        SecuritySubject s = caller(ignite);
        if (s == null || s.type() != SecuritySubjectType.REMOTE_CLIENT)
            return ClientRole.ADMIN;
        return s instanceof Subject k ? k.role() : ClientRole.READ;
    }

    /**
     * FORBIDDEN naming {@code operation} unless the caller's role allows {@code needed}. Call it before {@link #asNode},
     * and before anything changes.
     */
    public static void require(Ignite ignite, ClientRole needed, String operation) {
        check(role(ignite), needed, operation, "thin client '" + login(ignite) + "'");
    }

    /**
     * {@link #require} for a kvgrid SQL function. Ignite computes the first page of a lazy query (the Java thin
     * client's default) after it has dropped the client's identity, in the connector's thread with the node's rights.
     * There the caller is one of the running thin-client queries that call {@code function}, so it gets the least
     * role among them: never more than its own, at worst a FORBIDDEN while a lesser client runs the same function.
     */
    public static void requireInSql(Ignite ignite, ClientRole needed, String function) {
        SecuritySubject s = caller(ignite);
        boolean lazyFirstPage = s != null && s.type() != SecuritySubjectType.REMOTE_CLIENT
            && Thread.currentThread().getName().startsWith("client-connector");
        if (lazyFirstPage)
            check(leastRoleOfQueries(ignite, function), needed, function, "the first page of a lazy thin-client query "
                + "(run with the least role of the clients now calling " + function + "; setLazy(false) avoids this)");
        else
            check(role(ignite), needed, function, "thin client '" + login(ignite) + "'");
    }

    private static ClientRole leastRoleOfQueries(Ignite ignite, String function) {
        GridKernalContext ctx = ((IgniteEx) ignite).context();
        ClientRole least = null;
        for (var q : ctx.query().runningQueryManager().runningSqlQueries()) {
            if (q.subjectId() == null || !q.query().toLowerCase(java.util.Locale.ROOT).contains(function))
                continue;
            if (ctx.discovery().node(q.subjectId()) != null)
                continue; // a node's own query
            ClientRole r = ClientRole.READ;
            try {
                if (ctx.security().authenticatedSubject(q.subjectId()) instanceof Subject k)
                    r = k.role();
            } catch (org.apache.ignite.IgniteCheckedException e) {
                // unknown subject: READ
            }
            least = least == null || least.allows(r) ? r : least;
        }
        return least != null ? least : unknownClientRole(ctx);
    }

    private static void check(ClientRole has, ClientRole needed, String operation, String who) {
        KvGridException denied = denial(has, needed, operation, who);
        if (denied != null)
            throw denied;
    }

    /** FORBIDDEN naming {@code operation} when role {@code has} does not allow {@code needed}; null when it does. */
    static KvGridException denial(ClientRole has, ClientRole needed, String operation, String who) {
        return has.allows(needed) ? null : new KvGridException(ErrorCode.FORBIDDEN, operation, who + " has role "
            + has.label() + "; " + operation + " needs role " + needed.label());
    }

    private static Object login(Ignite ignite) {
        SecuritySubject s = caller(ignite);
        return s == null ? "?" : s.login();
    }

    /** Nodes are admitted by the cluster's transport security, not by a password: the credentials name no secret. */
    @Override
    public void start() {
        ctx.addNodeAttribute(org.apache.ignite.internal.IgniteNodeAttributes.ATTR_SECURITY_CREDENTIALS,
            new SecurityCredentials("kvgrid-node", null));
    }

    @Override
    public SecurityContext authenticateNode(ClusterNode node, SecurityCredentials cred) {
        return new Context(new Subject(node.id(), SecuritySubjectType.REMOTE_NODE, node.consistentId(), null, null,
            ClientRole.ADMIN));
    }

    @Override
    public boolean isGlobalNodeAuthentication() {
        return false;
    }

    /**
     * A thin client with a certificate gets the certificate's role and common name as login; one without (no TLS on
     * the connector) is ADMIN. Null (refused) for a certificate that carries no kvgrid role.
     */
    @Override
    public SecurityContext authenticate(AuthenticationContext auth) {
        Object login = auth.credentials() == null ? null : auth.credentials().getLogin();
        Certificate[] certs = auth.certificates();
        ClientRole role = ClientRole.ADMIN;
        if (certs != null && certs.length > 0) {
            role = CertificateMarks.role(certs[0]);
            if (role == null)
                return null;
            login = CertificateMarks.commonName(certs[0]);
        }
        Context c = new Context(new Subject(auth.subjectId(), auth.subjectType(), login == null ? "anonymous" : login,
            auth.address(), certs, role));
        clients.put(auth.subjectId(), c);
        return c;
    }

    @Override
    public Collection<SecuritySubject> authenticatedSubjects() {
        Collection<SecuritySubject> out = new ArrayList<>();
        clients.values().forEach(c -> out.add(c.subject()));
        return out;
    }

    @Override
    public SecuritySubject authenticatedSubject(UUID subjId) {
        Context c = clients.get(subjId);
        return c == null ? null : c.subject();
    }

    /**
     * Null for nodes (Ignite then takes the context they joined with). A thin client connected to another node is
     * unknown here: its requests that reach this node (reads it forwarded) run as an anonymous thin client, which the
     * policy treats like any other; its role is READ where this node requires client certificates (least privilege),
     * else ADMIN like every client without a certificate.
     */
    @Override
    public SecurityContext securityContext(UUID subjId) {
        Context c = clients.get(subjId);
        if (c != null)
            return c;
        if (ctx.discovery().node(subjId) != null || ctx.discovery().historicalNode(subjId) != null)
            return null;
        return new Context(new Subject(subjId, SecuritySubjectType.REMOTE_CLIENT, "remote-client", null, null,
            unknownClientRole(ctx)));
    }

    /** READ where this node requires client certificates (least privilege), else ADMIN like any client without one. */
    private static ClientRole unknownClientRole(GridKernalContext ctx) {
        var conn = ctx.config().getClientConnectorConfiguration();
        return conn != null && conn.isSslEnabled() && conn.isSslClientAuth() ? ClientRole.READ : ClientRole.ADMIN;
    }

    @Override
    public void authorize(String name, SecurityPermission perm, SecurityContext securityCtx) throws SecurityException {
        if (securityCtx == null || securityCtx.subject().type() != SecuritySubjectType.REMOTE_CLIENT)
            return;
        String why = policy.refusal(name, perm);
        if (why != null)
            throw new SecurityException(why);
    }

    @Override
    public void onSessionExpired(UUID subjId) {
        clients.remove(subjId);
    }

    @Override
    @SuppressWarnings("deprecation")
    public boolean enabled() {
        return true;
    }

    /** A security context is shipped to other nodes inside node attributes: plain serializable data. */
    private record Context(Subject subject) implements SecurityContext, Serializable {
    }

    private record Subject(UUID id, SecuritySubjectType type, Object login, InetSocketAddress address,
                           Certificate[] certificates, ClientRole role) implements SecuritySubject {
    }
}
