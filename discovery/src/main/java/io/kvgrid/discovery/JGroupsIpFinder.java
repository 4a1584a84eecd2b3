package io.kvgrid.discovery;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.spi.IgniteSpiException;
import org.apache.ignite.spi.discovery.tcp.ipfinder.TcpDiscoveryIpFinderAdapter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URL;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An Ignite IP finder that finds the other nodes through a JGroups cluster: every node joins the JGroups cluster
 * {@link #setClusterName clusterName}, publishes its Ignite discovery addresses, and {@link #getRegisteredAddresses()}
 * returns what the live members published. A member that leaves the JGroups cluster (node stopped, process killed)
 * drops out with its addresses. The finder is shared in Ignite's sense.
 *
 * <p>How members find each other is up to the JGroups stack. Without {@link #setStack stack}, the built-in one runs:
 * TCP bound to {@link #setBindAddress bindAddress}:{@link #setBindPort bindPort}, members found through TCPPING's
 * {@link #setInitialHosts initialHosts}. With it, any standard JGroups XML stack runs, for example one of those
 * shipped in this module: {@code kvgrid-stack-tcpping.xml} (static list), {@code kvgrid-stack-udp.xml} (IP
 * multicast), {@code kvgrid-stack-file.xml} (a shared directory) and {@code kvgrid-stack-dns.xml} (DNS, e.g. a
 * Kubernetes headless service). Their {@code ${name:default}} placeholders take {@link #setStackProperties
 * stackProperties} first, then system properties and environment variables.
 *
 * <p>Each setter validates its value at once ({@link ErrorCode#INVALID_CONFIG}, naming the property), so the bean
 * can be configured from Spring XML. Settings are fixed once the channel is up. Give every Ignite node its own
 * instance.
 *
 * <pre>{@code
 * JGroupsIpFinder finder = new JGroupsIpFinder()
 *     .setClusterName("kv-prod")
 *     .setStack("kvgrid-stack-file.xml")
 *     .setStackProperties(Map.of("kvgrid.jgroups.bind.address", "10.0.0.5",
 *         "kvgrid.jgroups.file.location", "/mnt/shared/kvgrid-jgroups"));
 * IgniteConfiguration cfg = KvGrid.configure(new IgniteConfiguration()
 *     .setDiscoverySpi(new TcpDiscoverySpi().setIpFinder(finder)), new KvGridConfiguration());
 * Ignite ignite = Ignition.start(cfg);
 * }</pre>
 */
public class JGroupsIpFinder extends TcpDiscoveryIpFinderAdapter {
    /** JGroups cluster joined when none is configured. */
    public static final String DEFAULT_CLUSTER_NAME = "kvgrid-discovery";
    /** JGroups TCP port when none is configured. */
    public static final int DEFAULT_BIND_PORT = 7800;

    private String clusterName = DEFAULT_CLUSTER_NAME;
    private String bindAddress = "127.0.0.1";
    private int bindPort = DEFAULT_BIND_PORT;
    private int portRange = 10;
    private List<String> initialHosts = List.of();
    private long joinTimeoutMillis = 2_000;
    private long syncTimeoutMillis = 5_000;
    /** The stack as configured (null: the built-in one) and where it was found. */
    private String stack;
    private URL stackUrl;
    private Map<String, String> stackProperties = Map.of();
    /** Settings of the built-in stack given explicitly: they conflict with a stack file. */
    private final Set<String> builtInSettings = new LinkedHashSet<>();

    private AddressRegistry registry;
    /** Set by {@link #close()}: a stopping node may still call in; only a node start joins again. */
    private boolean closed;

    public JGroupsIpFinder() {
        setShared(true);
    }

    private static KvGridException bad(String property, String message) {
        return new KvGridException(ErrorCode.INVALID_CONFIG, property, message);
    }

    private synchronized void checkNotStarted(String property) {
        if (registry != null)
            throw bad(property, "cannot change while the JGroups channel is running");
    }

    /** Records a setting of the built-in stack, which a stack file would silently ignore. */
    private void builtInSetting(String property) {
        if (stack != null)
            throw bad(property, "applies to the built-in stack only, and stack " + stack + " is set: set it in"
                + " the stack file or through stackProperties");
        builtInSettings.add(property);
    }

    /** JGroups cluster name; only members of the same cluster see each other. */
    public String getClusterName() { return clusterName; }

    public JGroupsIpFinder setClusterName(String v) {
        if (v == null || !v.matches("[A-Za-z0-9_.-]{1,100}"))
            throw bad("clusterName", "must be 1..100 letters, digits, '_', '.' or '-', was " + v);
        checkNotStarted("clusterName");
        clusterName = v;
        return this;
    }

    /** Local address the JGroups TCP transport binds to (an address of this host; default 127.0.0.1). */
    public String getBindAddress() { return bindAddress; }

    public JGroupsIpFinder setBindAddress(String v) {
        if (v == null || v.isBlank())
            throw bad("bindAddress", "must not be empty");
        InetAddress a;
        try {
            a = InetAddress.getByName(v.trim());
        } catch (UnknownHostException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "bindAddress", "unknown host " + v, e);
        }
        if (!isLocal(a))
            throw bad("bindAddress", v + " is not an address of this host");
        checkNotStarted("bindAddress");
        builtInSetting("bindAddress");
        bindAddress = v.trim();
        return this;
    }

    private static boolean isLocal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress())
            return true;
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** First JGroups TCP port tried; the transport takes the first free one of {@code bindPort .. bindPort+portRange}. */
    public int getBindPort() { return bindPort; }

    public JGroupsIpFinder setBindPort(int v) {
        if (v < 1 || v > 65535)
            throw bad("bindPort", "must be 1..65535, was " + v);
        if (v + portRange > 65535)
            throw bad("bindPort", "bindPort + portRange (" + portRange + ") must not exceed 65535, was " + v);
        checkNotStarted("bindPort");
        builtInSetting("bindPort");
        bindPort = v;
        return this;
    }

    /** Extra ports tried when binding, and probed above each initial host's port (default 10). */
    public int getPortRange() { return portRange; }

    public JGroupsIpFinder setPortRange(int v) {
        if (v < 0 || v > 1000)
            throw bad("portRange", "must be 0..1000, was " + v);
        if (bindPort + v > 65535)
            throw bad("portRange", "bindPort (" + bindPort + ") + portRange must not exceed 65535, was " + v);
        checkNotStarted("portRange");
        builtInSetting("portRange");
        portRange = v;
        return this;
    }

    /**
     * Members to contact when joining: {@code "host[port]"}, {@code "host:port"} or {@code "host"} (then
     * {@code bindPort}); an element may hold several, separated by commas. Empty (the default) means this host's {@code bindAddress[bindPort]}, so that nodes on one
     * host find each other through the port range.
     */
    public List<String> getInitialHosts() { return initialHosts; }

    public JGroupsIpFinder setInitialHosts(List<String> v) {
        if (v == null)
            throw bad("initialHosts", "must not be null (use an empty list)");
        List<String> copy = new ArrayList<>(v.size());
        for (String entry : v) {
            if (entry == null)
                throw bad("initialHosts", "must not contain null");
            for (String h : entry.split(",")) {   // "a[7800],b[7800]" from one Spring placeholder
                if (h.isBlank())
                    continue;
                if (JGroupsStack.parseHost(h.trim(), 1) == null)
                    throw bad("initialHosts", "expected host[port], host:port or host, was " + h);
                copy.add(h.trim());
            }
        }
        checkNotStarted("initialHosts");
        builtInSetting("initialHosts");
        initialHosts = List.copyOf(copy);
        return this;
    }

    /** How long a node looks for existing members before it founds the JGroups cluster itself. */
    public long getJoinTimeoutMillis() { return joinTimeoutMillis; }

    public JGroupsIpFinder setJoinTimeoutMillis(long v) {
        if (v < 100 || v > 600_000)
            throw bad("joinTimeoutMillis", "must be 100..600000, was " + v);
        checkNotStarted("joinTimeoutMillis");
        builtInSetting("joinTimeoutMillis");
        joinTimeoutMillis = v;
        return this;
    }

    /** How long registration waits for the members to apply it, and a lookup for every member to have published. */
    public long getSyncTimeoutMillis() { return syncTimeoutMillis; }

    public JGroupsIpFinder setSyncTimeoutMillis(long v) {
        if (v < 100 || v > 600_000)
            throw bad("syncTimeoutMillis", "must be 100..600000, was " + v);
        checkNotStarted("syncTimeoutMillis");
        syncTimeoutMillis = v;
        return this;
    }

    /** The JGroups XML stack (file, URL or classpath resource), or null for the built-in TCP + TCPPING stack. */
    public String getStack() { return stack; }

    /**
     * Runs this standard JGroups XML stack instead of the built-in one: a file path, a URL, or a classpath resource
     * such as {@code kvgrid-stack-file.xml}. It is read and checked at once (protocols, attributes, values after
     * placeholder substitution); the built-in stack's settings (bindAddress, bindPort, portRange, initialHosts,
     * joinTimeoutMillis) conflict with it.
     */
    public JGroupsIpFinder setStack(String v) {
        if (v == null || v.isBlank())
            throw bad("stack", "must not be empty (leave it unset for the built-in TCP stack)");
        if (!builtInSettings.isEmpty())
            throw bad("stack", "conflicts with " + String.join(", ", builtInSettings) + ", which apply to the"
                + " built-in stack only: set them in the stack file or through stackProperties");
        URL url = JGroupsStack.locate(v);
        if (url == null)
            throw bad("stack", "no file, URL or classpath resource " + v.trim());
        check(url, stackProperties, "stack", v.trim());
        checkNotStarted("stack");
        stack = v.trim();
        stackUrl = url;
        return this;
    }

    /** Values for the stack's placeholders, consulted before system properties. */
    public Map<String, String> getStackProperties() { return stackProperties; }

    /**
     * Values for the {@code ${name:default}} placeholders of the {@link #setStack stack}, consulted before system
     * properties and environment variables (so several nodes of one JVM can differ). An empty value counts as not
     * set here, so a Spring file can pass {@code ${kvgrid.jgroups.port:}} through and leave the default to the stack.
     */
    public JGroupsIpFinder setStackProperties(Map<String, String> v) {
        if (v == null)
            throw bad("stackProperties", "must not be null (use an empty map)");
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : v.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank())
                throw bad("stackProperties", "names must not be empty");
            if (e.getValue() != null && !e.getValue().isBlank())
                copy.put(e.getKey().trim(), e.getValue().trim());
        }
        if (stackUrl != null)
            check(stackUrl, copy, "stackProperties", stack);
        checkNotStarted("stackProperties");
        stackProperties = Collections.unmodifiableMap(copy);
        return this;
    }

    private static void check(URL url, Map<String, String> properties, String property, String spec) {
        try {
            JGroupsStack.check(url, properties);
        } catch (Exception e) {
            throw JGroupsStack.invalid(property, "JGroups stack " + spec, e);
        }
    }

    private AddressRegistry.Settings settings() {
        if (stackUrl != null) {
            URL url = stackUrl;
            Map<String, String> props = stackProperties;
            return new AddressRegistry.Settings(clusterName, () -> JGroupsStack.channel(url, props), syncTimeoutMillis);
        }
        return new AddressRegistry.Settings(clusterName,
            JGroupsStack.builtIn(bindAddress, bindPort, portRange, initialHosts, joinTimeoutMillis), syncTimeoutMillis);
    }

    /** The running registry, joining the JGroups cluster on first use; null once closed. */
    private synchronized AddressRegistry registry() {
        if (registry == null && !closed) {
            AddressRegistry.Settings s = settings();
            try {
                registry = AddressRegistry.start(s);
            } catch (Exception e) {
                throw new IgniteSpiException("Failed to join JGroups cluster '" + clusterName + "' " + (stack != null
                    ? "with stack " + stack : "on " + bindAddress + "[" + bindPort + ".." + (bindPort + portRange) + "]")
                    + ": " + e.getMessage(), e);
            }
        }
        return registry;
    }

    /** Whether this finder is a member of its JGroups cluster now. */
    public synchronized boolean isConnected() {
        return registry != null;
    }

    /** The protocols of the running channel (null when not connected), for tests that look inside. */
    synchronized org.jgroups.stack.ProtocolStack protocolStack() {
        return registry == null ? null : registry.protocolStack();
    }

    /** Number of members of the JGroups cluster as this finder sees it (0 when not connected). */
    public synchronized int memberCount() {
        return registry == null ? 0 : registry.members().size();
    }

    /** Joins the JGroups cluster (again, after a {@link #close()}) and publishes the local node's addresses. */
    @Override
    public void initializeLocalAddresses(Collection<InetSocketAddress> addrs) throws IgniteSpiException {
        synchronized (this) {
            closed = false;
        }
        publish(addrs, true);
    }

    /** What the live members published; empty once closed. */
    @Override
    public Collection<InetSocketAddress> getRegisteredAddresses() throws IgniteSpiException {
        AddressRegistry r = registry();
        if (r == null)
            return List.of();
        try {
            return r.addresses();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IgniteSpiException("Interrupted while reading JGroups discovery addresses", e);
        }
    }

    /**
     * Publishes those of {@code addrs} that no live member publishes yet. (Every node publishes its own addresses;
     * Ignite's coordinator also registers the addresses of nodes that join, which would otherwise outlive them.)
     */
    @Override
    public void registerAddresses(Collection<InetSocketAddress> addrs) throws IgniteSpiException {
        publish(addrs, false);
    }

    private void publish(Collection<InetSocketAddress> addrs, boolean own) {
        AddressRegistry r = registry();
        if (r == null)
            return;
        try {
            if (own)
                r.registerOwn(addrs);
            else
                r.registerMissing(addrs);
        } catch (Exception e) {
            throw new IgniteSpiException("Failed to publish discovery addresses " + addrs + " over JGroups", e);
        }
    }

    /** Removes {@code addrs} from what every member published (Ignite does this for addresses that stopped answering). */
    @Override
    public void unregisterAddresses(Collection<InetSocketAddress> addrs) throws IgniteSpiException {
        AddressRegistry r = registry();
        if (r == null)
            return;
        try {
            r.unregister(addrs);
        } catch (Exception e) {
            throw new IgniteSpiException("Failed to withdraw discovery addresses " + addrs + " over JGroups", e);
        }
    }

    /**
     * Leaves the JGroups cluster; the other members drop this node's addresses. The finder joins again when a node
     * starts with it ({@link #initializeLocalAddresses}); until then lookups return nothing.
     */
    @Override
    public synchronized void close() {
        AddressRegistry r = registry;
        registry = null;
        closed = true;
        if (r != null)
            r.close();
    }

    @Override
    public String toString() {
        String how = stack != null ? "stack=" + stack + ", stackProperties=" + stackProperties
            : "bind=" + bindAddress + "[" + bindPort + "+" + portRange + "], initialHosts=" + initialHosts;
        return "JGroupsIpFinder[cluster=" + clusterName + ", " + how + ", connected=" + isConnected() + "]";
    }
}
