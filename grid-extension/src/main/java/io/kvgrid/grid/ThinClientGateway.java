package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCheckedException;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.affinity.rendezvous.RendezvousAffinityFunction;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.internal.processors.security.GridSecurityProcessor;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.ignite.plugin.CachePluginProvider;
import org.apache.ignite.services.ServiceConfiguration;

import javax.cache.Cache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * What the plugin sets up so thin clients reach kvgrid and nothing else of it: the {@link StoreService} on every server
 * node, the SQL functions for clients without services ({@link SqlFunctions}), the security processor that keeps
 * thin clients' raw writes off kvgrid's caches, and a check that no other cache is placed in kvgrid's regions.
 */
public final class ThinClientGateway {
    /** Schema of the SQL functions ({@code SELECT KVGRID.KVGRID_GET(?)}). */
    public static final String SQL_SCHEMA = "KVGRID";

    private ThinClientGateway() {
    }

    /** The cache whose schema carries the SQL functions; it never holds entries. */
    public static String sqlCache(KvGridConfiguration cfg) {
        return cfg.getCacheNamePrefix() + "-sql";
    }

    /**
     * Where this node serves thin clients, {@code host:port[,host:port...]} as {@code KvGridClient.connect} takes it,
     * or null when its thin-client connector is disabled.
     */
    public static String endpoints(Ignite ignite) {
        List<String> e = ThinTopology.localEndpoints(ignite);
        return e.isEmpty() ? null : String.join(",", e);
    }

    /** Adds the store service (one instance on each server node) to a node's configuration. */
    public static void addService(IgniteConfiguration ignite) {
        List<ServiceConfiguration> services = new ArrayList<>();
        if (ignite.getServiceConfiguration() != null)
            services.addAll(Arrays.asList(ignite.getServiceConfiguration()));
        if (services.stream().anyMatch(s -> KvGridService.NAME.equals(s.getName())))
            return;
        services.add(new ServiceConfiguration().setName(KvGridService.NAME).setService(new StoreService())
            .setMaxPerNodeCount(1).setTotalCount(0).setNodeFilter(new ServerNodes()));
        ignite.setServiceConfiguration(services.toArray(new ServiceConfiguration[0]));
    }

    /** The plugin's answer to Ignite asking for a component of type {@code cls}. */
    public static <T> T component(Ignite ignite, Class<T> cls, KvGridConfiguration cfg) {
        if (cls == GridSecurityProcessor.class)
            return cls.cast(new KvGridSecurityProcessor(ignite, cfg.getCacheNamePrefix()));
        if (cls == org.apache.ignite.internal.processors.cacheobject.IgniteCacheObjectProcessor.class)
            return cls.cast(UnreadRemovals.processor(ignite));
        return null;
    }

    /**
     * Creates the SQL functions' cache when Ignite's SQL engine is on the classpath (ignite-indexing); without it,
     * thin clients still have the service.
     */
    static void startSql(Ignite ignite, KvGridConfiguration cfg) {
        try {
            Class.forName("org.apache.ignite.internal.processors.query.h2.IgniteH2Indexing");
        } catch (ClassNotFoundException e) {
            return;
        }
        // One partition: the cache holds nothing, and each partition would take pages of the metadata region.
        ignite.getOrCreateCache(new CacheConfiguration<String, String>(sqlCache(cfg))
            .setCacheMode(CacheMode.PARTITIONED)
            .setAffinity(new RendezvousAffinityFunction(false, 1))
            .setDataRegionName(GridCaches.metaRegion(cfg))
            .setSqlSchema(SQL_SCHEMA)
            .setSqlFunctionClasses(SqlFunctions.class));
    }

    /**
     * Refuses, on every node, a cache that is not kvgrid's own but is placed in one of kvgrid's data regions: its
     * writes would take room that space reservation does not see, and fill the region past what eviction can free.
     */
    public static CachePluginProvider<?> regionGuard(CacheConfiguration<?, ?> cache, KvGridConfiguration cfg) {
        Set<String> regions = Set.of(cfg.getDataRegionName(), GridCaches.metaRegion(cfg));
        String name = cache.getName();
        boolean ours = name != null && name.startsWith(cfg.getCacheNamePrefix() + "-");
        if (ours || cache.getDataRegionName() == null || !regions.contains(cache.getDataRegionName()))
            return null;
        return new Refusal("cache " + name + " may not use data region " + cache.getDataRegionName()
            + ": kvgrid's regions hold only kvgrid's caches");
    }

    /** Deploys the store service on server nodes only. */
    private static final class ServerNodes implements IgnitePredicate<ClusterNode> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean apply(ClusterNode node) {
            return !node.isClient();
        }
    }

    /** A cache plugin whose only job is to fail the cache's start. */
    private record Refusal(String why) implements CachePluginProvider<org.apache.ignite.plugin.CachePluginConfiguration> {
        @Override
        public void validate() throws IgniteCheckedException {
            throw new IgniteCheckedException(why);
        }

        @Override
        public void start() {
        }

        @Override
        public void stop(boolean cancel) {
        }

        @Override
        public void onIgniteStart() {
        }

        @Override
        public void onIgniteStop(boolean cancel) {
        }

        @Override
        public <T> T createComponent(Class<T> cls) {
            return null;
        }

        @Override
        public <T, K, V> T unwrapCacheEntry(Cache.Entry<K, V> entry, Class<T> cls) {
            return null;
        }

        @Override
        public void validateRemote(CacheConfiguration locCfg, CacheConfiguration rmtCfg, ClusterNode rmtNode) {
        }
    }
}
