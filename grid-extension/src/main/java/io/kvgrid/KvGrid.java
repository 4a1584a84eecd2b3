package io.kvgrid;

import io.kvgrid.grid.GridCaches;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.logger.NullLogger;
import org.apache.ignite.plugin.PluginProvider;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Entry points: start an embedded node in one line, or add kvgrid to an existing Ignite configuration, and find the
 * store of a running node.
 *
 * <pre>{@code
 * try (KvGridNode node = KvGrid.startEmbedded()) {           // local node, defaults, 127.0.0.1 only
 *     node.store().put("blk-0", bytes);
 * }
 *
 * Ignite ignite = Ignition.start(KvGrid.configure(myIgniteConfig, new KvGridConfiguration()));
 * BlockStore store = KvGrid.store(ignite);
 * }</pre>
 */
public final class KvGrid {
    /** First discovery port of embedded nodes; override with system property {@code kvgrid.discovery.port}. */
    public static final int DEFAULT_DISCOVERY_PORT = 47500;
    /** Embedded nodes of one cluster find each other on this many consecutive ports. */
    public static final int DISCOVERY_PORT_RANGE = 10;
    /** First thin-client port of embedded nodes (Ignite's default); each node takes the next free one of 10. */
    public static final int DEFAULT_THIN_CLIENT_PORT = 10800;
    /** Thin-client ports an embedded node tries, from its first. */
    public static final int THIN_CLIENT_PORT_RANGE = 10;

    private KvGrid() {
    }

    /** The store of a node started with the kvgrid plugin. */
    public static BlockStore store(Ignite ignite) {
        KvGridPluginProvider.Plugin p;
        try {
            p = ignite.plugin(KvGridPluginProvider.NAME);
        } catch (RuntimeException e) {
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "pluginProviders",
                "node " + ignite.name() + " was started without the kvgrid plugin", e);
        }
        return p.store();
    }

    /** Adds the kvgrid plugin and its data regions to {@code cfg} (kept if already present); returns {@code cfg}. */
    public static IgniteConfiguration configure(IgniteConfiguration cfg, KvGridConfiguration kvgrid) {
        List<PluginProvider> providers = new ArrayList<>();
        if (cfg.getPluginProviders() != null)
            providers.addAll(Arrays.asList(cfg.getPluginProviders()));
        providers.removeIf(p -> p instanceof KvGridPluginProvider);
        providers.add(new KvGridPluginProvider(kvgrid));
        cfg.setPluginProviders(providers.toArray(new PluginProvider[0]));
        GridCaches.addRegions(cfg, kvgrid);
        communicationBuffers(cfg);
        return cfg;
    }

    /** Below this, fixed communication socket buffers can stall MiB-sized messages (see communicationBuffers). */
    static final int MIN_FIXED_SOCKET_BUFFER = 256 << 10;

    /**
     * Socket buffers of Ignite's communication, which carries every block payload between nodes. Ignite fixes them at
     * 32 KiB by default. On loopback (MTU 64 KiB) the receive window then stays below one TCP segment, and the sender
     * of a 1 MiB message waits on TCP's persist timer, whose backoff grows to seconds: 1 MiB puts between server JVMs
     * on one host stalled ~7 s and some never completed ({@code ss -tnoi} on the stuck connection: a persist timer,
     * {@code snd_wnd} below {@code mss}, tens of KiB unsent). Buffers of 0 let the kernel size them. With no
     * communication SPI configured, kvgrid sets Ignite's own with buffers of 0; a configured one is kept as it is,
     * with a warning where its buffers are fixed that small.
     */
    private static void communicationBuffers(IgniteConfiguration cfg) {
        if (cfg.getCommunicationSpi() == null)
            cfg.setCommunicationSpi(kernelSizedBuffers(new TcpCommunicationSpi()));
        else if (cfg.getCommunicationSpi() instanceof TcpCommunicationSpi tcp
            && (tooSmall(tcp.getSocketReceiveBuffer()) || tooSmall(tcp.getSocketSendBuffer())))
            org.slf4j.LoggerFactory.getLogger(KvGrid.class).warn("kvgrid: node {}: TcpCommunicationSpi socket buffers "
                + "of {} / {} bytes (receive / send) can stall block transfers for seconds; set socketReceiveBuffer "
                + "and socketSendBuffer to 0 (kernel-sized) or at least {}", cfg.getIgniteInstanceName(),
                tcp.getSocketReceiveBuffer(), tcp.getSocketSendBuffer(), MIN_FIXED_SOCKET_BUFFER);
    }

    private static boolean tooSmall(int socketBuffer) {
        return socketBuffer > 0 && socketBuffer < MIN_FIXED_SOCKET_BUFFER;
    }

    /** {@code spi} with socket buffers of 0: the kernel sizes them (see {@link #communicationBuffers}). */
    private static TcpCommunicationSpi kernelSizedBuffers(TcpCommunicationSpi spi) {
        return spi.setSocketReceiveBuffer(0).setSocketSendBuffer(0);
    }

    /**
     * A complete local-node configuration: discovery and communication on 127.0.0.1 only, nodes of one cluster on
     * {@code discoveryPort .. discoveryPort + 9}, thin clients served on the first free port from 10800 (for the
     * default discovery port) or else from {@code discoveryPort + 10}, the page size of {@code kvgrid}, Ignite's own logging off unless
     * the system property {@code kvgrid.ignite.log} is true.
     */
    public static IgniteConfiguration embeddedConfiguration(String instanceName, KvGridConfiguration kvgrid,
                                                            int discoveryPort) {
        return embeddedConfiguration(instanceName, kvgrid, discoveryPort, discoveryPort == DEFAULT_DISCOVERY_PORT
            ? DEFAULT_THIN_CLIENT_PORT : discoveryPort + DISCOVERY_PORT_RANGE);
    }

    /**
     * {@link #embeddedConfiguration(String, KvGridConfiguration, int)} with thin clients served on 127.0.0.1 from
     * {@code thinClientPort} (the first free of {@value #THIN_CLIENT_PORT_RANGE} ports).
     */
    public static IgniteConfiguration embeddedConfiguration(String instanceName, KvGridConfiguration kvgrid,
                                                            int discoveryPort, int thinClientPort) {
        if (thinClientPort < 1024 || thinClientPort > 65535 - THIN_CLIENT_PORT_RANGE)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "thinClientPort", "out of range: " + thinClientPort);
        if (discoveryPort < 1024 || discoveryPort > 65535 - DISCOVERY_PORT_RANGE)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "discoveryPort", "out of range: " + discoveryPort);
        TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder()
            .setAddresses(List.of("127.0.0.1:" + discoveryPort + ".." + (discoveryPort + DISCOVERY_PORT_RANGE - 1)));
        IgniteConfiguration cfg = new IgniteConfiguration()
            .setIgniteInstanceName(instanceName)
            .setLocalHost("127.0.0.1")
            .setPeerClassLoadingEnabled(false)
            .setMetricsLogFrequency(0)
            .setDiscoverySpi(new TcpDiscoverySpi().setIpFinder(finder).setLocalAddress("127.0.0.1")
                .setLocalPort(discoveryPort).setLocalPortRange(DISCOVERY_PORT_RANGE)
                .setJoinTimeout(kvgrid.getJoinTimeoutMillis()))
            .setCommunicationSpi(kernelSizedBuffers(new TcpCommunicationSpi().setLocalAddress("127.0.0.1")))
            .setClientConnectorConfiguration(new ClientConnectorConfiguration().setHost("127.0.0.1")
                .setPort(thinClientPort).setPortRange(THIN_CLIENT_PORT_RANGE - 1));
        // Ignite's work files (marshaller mappings) are scratch for in-memory nodes: keep them out of the cwd.
        cfg.setWorkDirectory(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "kvgrid-ignite-work")
            .toString());
        if (!Boolean.getBoolean("kvgrid.ignite.log"))
            cfg.setGridLogger(new NullLogger());
        cfg.setDataStorageConfiguration(new org.apache.ignite.configuration.DataStorageConfiguration()
            .setPageSize(kvgrid.getPageSizeBytes()));
        cfg.getDataStorageConfiguration().getDefaultDataRegionConfiguration()
            .setInitialSize(32L << 20).setMaxSize(256L << 20);
        return configure(cfg, kvgrid);
    }

    private static RuntimeException startFailure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("kvgrid: the joining node's partitions"))
                return new KvGridException(ErrorCode.INVALID_CONFIG, "partitions",
                    m.substring(m.indexOf("kvgrid: ") + 8).split("\n")[0], e);
            if (m.contains("same hash code for partitioned affinity") || m.contains("consistent ID"))
                return new KvGridException(ErrorCode.INVALID_CONFIG, "consistentId", "another node of the cluster has "
                    + "this node's consistent id; give each node its own (kvgrid.instance.name in the shipped XML "
                    + "files): " + m, e);
            if (m.contains("Join process timed out"))
                return new KvGridException(ErrorCode.NODE_UNAVAILABLE, "joinTimeoutMillis",
                    "found no cluster to join: " + m, e);
            if (t.getCause() == t)
                break;
        }
        return e;
    }

    /** Starts a local server node with default settings. */
    public static KvGridNode startEmbedded() {
        return startEmbedded(new KvGridConfiguration());
    }

    /** Starts a local server node with {@code kvgrid} settings. */
    public static KvGridNode startEmbedded(KvGridConfiguration kvgrid) {
        int port = Integer.getInteger("kvgrid.discovery.port", DEFAULT_DISCOVERY_PORT);
        return start(embeddedConfiguration("kvgrid-" + UUID.randomUUID().toString().substring(0, 8), kvgrid, port));
    }

    /**
     * Starts a node from a full configuration that includes the kvgrid plugin. A cluster that refuses the node
     * (another partition count) fails with INVALID_CONFIG; a node that finds no cluster to join in its discovery's
     * join timeout with NODE_UNAVAILABLE.
     */
    public static KvGridNode start(IgniteConfiguration cfg) {
        Ignite ignite;
        try {
            ignite = Ignition.start(cfg);
        } catch (org.apache.ignite.IgniteException e) {
            throw startFailure(e);
        }
        try {
            return new KvGridNode(ignite, store(ignite));
        } catch (RuntimeException e) {
            ignite.close();
            throw e;
        }
    }
}
