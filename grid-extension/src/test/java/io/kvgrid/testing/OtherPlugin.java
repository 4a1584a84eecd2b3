package io.kvgrid.testing;

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
 * A plugin that does nothing: configured as a node's only plugin, it keeps kvgrid's out (Ignite 2.17 loads plugins
 * with {@link java.util.ServiceLoader} when {@code pluginProviders} is null <em>or empty</em>, so an empty array is
 * not enough while kvgrid's jar is on the classpath).
 */
public final class OtherPlugin implements PluginProvider<PluginConfiguration> {
    private final IgnitePlugin plugin = new IgnitePlugin() {
    };

    @Override public String name() { return "other"; }
    @Override public String version() { return "1"; }
    @Override public String copyright() { return ""; }
    @SuppressWarnings("unchecked")
    @Override public <T extends IgnitePlugin> T plugin() { return (T) plugin; }
    @Override public void initExtensions(PluginContext ctx, ExtensionRegistry registry) { }
    @Override public <T> T createComponent(PluginContext ctx, Class<T> cls) { return null; }
    @Override public CachePluginProvider createCacheProvider(CachePluginContext ctx) { return null; }
    @Override public void start(PluginContext ctx) { }
    @Override public void stop(boolean cancel) { }
    @Override public void onIgniteStart() { }
    @Override public void onIgniteStop(boolean cancel) { }
    @Override public Serializable provideDiscoveryData(UUID nodeId) { return null; }
    @Override public void receiveDiscoveryData(UUID nodeId, Serializable data) { }
    @Override public void validateNewNode(ClusterNode node) { }
}
