package io.kvgrid.discovery;

import io.kvgrid.ErrorCode;
import io.kvgrid.KvGridException;
import org.apache.ignite.spi.IgniteSpiException;
import org.apache.ignite.spi.discovery.tcp.ipfinder.TcpDiscoveryIpFinderAdapter;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Ignite IP finder that finds the other nodes through a JGroups cluster: every node joins the JGroups cluster
 * {@link #setClusterName clusterName} (TCP bound to {@link #setBindAddress bindAddress}:{@link #setBindPort bindPort},
 * members found through TCPPING's {@link #setInitialHosts initialHosts}), publishes its Ignite discovery addresses,
 * and {@link #getRegisteredAddresses()} returns what the live members published. A member that leaves the JGroups
 * cluster (node stopped, process killed) drops out with its addresses. The finder is shared in Ignite's sense.
 *
 * <p>Each setter validates its value at once ({@link ErrorCode#INVALID_CONFIG}, naming the property), so the bean
 * can be configured from Spring XML. Settings are fixed once the channel is up. Give every Ignite node its own
 * instance.
 *
 * <pre>{@code
 * JGroupsIpFinder finder = new JGroupsIpFinder()
 *     .setClusterName("kv-prod")
 *     .setBindAddress("10.0.0.5")
 *     .setBindPort(7800)
 *     .setInitialHosts(List.of("10.0.0.5[7800]", "10.0.0.6[7800]", "10.0.0.7[7800]"));
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

    private static final Pattern BRACKETED = Pattern.compile("(.+)\\[(\\d{1,5})]");
    private static final Pattern COLON = Pattern.compile("([^:\\[\\]]+):(\\d{1,5})");
    private static final Pattern HOST_ONLY = Pattern.compile("[^:\\[\\]\\s]+");

    private String clusterName = DEFAULT_CLUSTER_NAME;
    private String bindAddress = "127.0.0.1";
    private int bindPort = DEFAULT_BIND_PORT;
    private int portRange = 10;
    private List<String> initialHosts = List.of();
    private long joinTimeoutMillis = 2_000;
    private long syncTimeoutMillis = 5_000;

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
                if (parseHost(h.trim(), 1) == null)
                    throw bad("initialHosts", "expected host[port], host:port or host, was " + h);
                copy.add(h.trim());
            }
        }
        checkNotStarted("initialHosts");
        initialHosts = List.copyOf(copy);
        return this;
    }

    /** How long a node looks for existing members before it founds the JGroups cluster itself. */
    public long getJoinTimeoutMillis() { return joinTimeoutMillis; }

    public JGroupsIpFinder setJoinTimeoutMillis(long v) {
        if (v < 100 || v > 600_000)
            throw bad("joinTimeoutMillis", "must be 100..600000, was " + v);
        checkNotStarted("joinTimeoutMillis");
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

    /** Host and port of one initial-hosts entry, or null when it is malformed; the host is not resolved. */
    private static String[] parseHost(String h, int defaultPort) {
        Matcher m;
        String host;
        int port;
        if ((m = BRACKETED.matcher(h)).matches() || (m = COLON.matcher(h)).matches()) {
            host = m.group(1).trim();
            port = Integer.parseInt(m.group(2));
        } else if (HOST_ONLY.matcher(h).matches()) {
            host = h;
            port = defaultPort;
        } else {
            return null;
        }
        if (host.isEmpty() || port < 1 || port > 65535)
            return null;
        return new String[] {host, Integer.toString(port)};
    }

    private AddressRegistry.Settings settings() {
        List<InetSocketAddress> hosts = new ArrayList<>();
        List<String> entries = initialHosts.isEmpty() ? List.of(bindAddress + "[" + bindPort + "]") : initialHosts;
        for (String h : entries) {
            String[] hp = parseHost(h, bindPort);
            InetSocketAddress a = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
            if (a.isUnresolved())
                throw bad("initialHosts", "cannot resolve " + hp[0]);
            hosts.add(a);
        }
        InetAddress bind;
        try {
            bind = InetAddress.getByName(bindAddress);
        } catch (UnknownHostException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "bindAddress", "unknown host " + bindAddress, e);
        }
        return new AddressRegistry.Settings(clusterName, bind, bindPort, portRange, hosts, joinTimeoutMillis,
            syncTimeoutMillis);
    }

    /** The running registry, joining the JGroups cluster on first use; null once closed. */
    private synchronized AddressRegistry registry() {
        if (registry == null && !closed) {
            AddressRegistry.Settings s = settings();
            try {
                registry = AddressRegistry.start(s);
            } catch (Exception e) {
                throw new IgniteSpiException("Failed to join JGroups cluster '" + clusterName + "' on " + bindAddress
                    + "[" + bindPort + ".." + (bindPort + portRange) + "]: " + e.getMessage(), e);
            }
        }
        return registry;
    }

    /** Whether this finder is a member of its JGroups cluster now. */
    public synchronized boolean isConnected() {
        return registry != null;
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
        return "JGroupsIpFinder[cluster=" + clusterName + ", bind=" + bindAddress + "[" + bindPort + "+" + portRange
            + "], initialHosts=" + initialHosts + ", connected=" + isConnected() + "]";
    }
}
