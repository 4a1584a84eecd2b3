package io.kvgrid;

import io.kvgrid.grid.BlockChannelServer;
import io.kvgrid.grid.GridCaches;
import io.kvgrid.grid.KvGridRuntime;
import io.kvgrid.grid.ThinClientGateway;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.plugin.CachePluginContext;
import org.apache.ignite.plugin.CachePluginProvider;
import org.apache.ignite.plugin.ExtensionRegistry;
import org.apache.ignite.plugin.IgnitePlugin;
import org.apache.ignite.plugin.PluginConfiguration;
import org.apache.ignite.plugin.PluginContext;
import org.apache.ignite.plugin.PluginProvider;

import java.io.Serializable;
import java.util.UUID;

/**
 * The Ignite plugin that gives a node the kvgrid store. Add it to an {@code IgniteConfiguration} (or just put the
 * jar on the classpath: it is registered through {@link java.util.ServiceLoader} and then uses default settings).
 * It adds kvgrid's data regions to the node unless regions of those names are configured already.
 *
 * <pre>{@code
 * IgniteConfiguration cfg = new IgniteConfiguration()
 *     .setPluginProviders(new KvGridPluginProvider(new KvGridConfiguration()));
 * Ignite ignite = Ignition.start(cfg);
 * BlockStore store = KvGrid.store(ignite);
 * }</pre>
 */
public class KvGridPluginProvider implements PluginProvider<PluginConfiguration> {
    /** Name under which {@code Ignite.plugin(NAME)} finds the plugin. */
    public static final String NAME = "kvgrid";

    private final KvGridConfiguration config;
    private final Plugin plugin = new Plugin();
    private PluginContext ctx;
    private BlockChannelServer channel;

    /** Default settings (ServiceLoader). */
    public KvGridPluginProvider() {
        this(new KvGridConfiguration());
    }

    public KvGridPluginProvider(KvGridConfiguration config) {
        if (config == null)
            throw new KvGridException(ErrorCode.INVALID_CONFIG, "config", "must not be null");
        this.config = new KvGridConfiguration(config);
    }

    /** The settings this provider starts the store with. */
    public KvGridConfiguration configuration() {
        return new KvGridConfiguration(config);
    }

    /** The plugin object a node exposes: {@code ignite.plugin(KvGridPluginProvider.NAME)}. */
    public static final class Plugin implements IgnitePlugin {
        private volatile KvGridRuntime runtime;

        /** The node's store; NODE_UNAVAILABLE before the node has started or after it stopped. */
        public BlockStore store() {
            KvGridRuntime r = runtime;
            if (r == null)
                throw new KvGridException(ErrorCode.NODE_UNAVAILABLE, null, "kvgrid is not running on this node");
            return r.store();
        }
    }

    @Override public String name() { return NAME; }

    @Override public String version() { return "0.1.0"; }

    @Override public String copyright() { return "kvgrid authors, Apache-2.0"; }

    @SuppressWarnings("unchecked")
    @Override public <T extends IgnitePlugin> T plugin() { return (T) plugin; }

    /** Node attribute carrying the node's partition count, which every node of a cluster must share. */
    private static final String ATTR_PARTITIONS = "kvgrid.partitions";

    /** Runs before Ignite reads the node's data regions: the place to add kvgrid's. */
    @Override public void initExtensions(PluginContext ctx, ExtensionRegistry registry) {
        this.ctx = ctx;
        addRegions(ctx);
        java.util.Map<String, Object> attrs = new java.util.HashMap<>();
        if (ctx.igniteConfiguration().getUserAttributes() != null)
            attrs.putAll(ctx.igniteConfiguration().getUserAttributes());
        attrs.put(ATTR_PARTITIONS, config.getPartitions());
        // Bound now so that its port travels with the node's attributes; it answers once the store runs.
        channel = BlockChannelServer.bind(ctx.igniteConfiguration(), config);
        if (channel != null)
            attrs.put(BlockChannelServer.PORT_ATTRIBUTE, channel.port());
        ctx.igniteConfiguration().setUserAttributes(attrs);
    }

    private void addRegions(PluginContext ctx) {
        if (!Boolean.TRUE.equals(ctx.igniteConfiguration().isClientMode())) {
            GridCaches.addRegions(ctx.igniteConfiguration(), config);
            ThinClientGateway.addService(ctx.igniteConfiguration());
        }
    }

    /** Ignite's security hook: keeps thin clients' raw writes off kvgrid's caches (see ThinClientGateway). */
    @Override public <T> T createComponent(PluginContext ctx, Class<T> cls) {
        return ThinClientGateway.component(ctx.grid(), cls, config);
    }

    /** Refuses foreign caches in kvgrid's data regions. */
    @Override public CachePluginProvider createCacheProvider(CachePluginContext ctx) {
        return ThinClientGateway.regionGuard(ctx.igniteCacheConfiguration(), config);
    }

    @Override public void start(PluginContext ctx) {
        this.ctx = ctx;
    }

    @Override public void stop(boolean cancel) {
        close();
    }

    @Override public void onIgniteStart() {
        plugin.runtime = KvGridRuntime.start(ctx.grid(), config);
        if (channel != null)
            channel.start(ctx.grid());
    }

    @Override public void onIgniteStop(boolean cancel) {
        close();
    }

    private void close() {
        BlockChannelServer c = channel;
        channel = null;
        if (c != null)
            c.close();
        KvGridRuntime r = plugin.runtime;
        plugin.runtime = null;
        if (r != null)
            r.close();
    }

    @Override public Serializable provideDiscoveryData(UUID nodeId) { return null; }

    @Override public void receiveDiscoveryData(UUID nodeId, Serializable data) { }

    /** A node whose partition count differs would silently run with the cluster's: refuse it, saying why. */
    @Override public void validateNewNode(ClusterNode node) {
        Object theirs = node.attribute(ATTR_PARTITIONS);
        if (theirs != null && !theirs.equals(config.getPartitions())) {
            String why = "kvgrid: the joining node's partitions (" + theirs + ") differ from the cluster's ("
                + config.getPartitions() + "); every node of a kvgrid cluster needs the same "
                + "KvGridConfiguration.partitions";
            throw new org.apache.ignite.plugin.PluginValidationException(why, why, node.id());
        }
    }
}
