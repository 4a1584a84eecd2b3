package io.kvgrid.grid;

import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Names and configurations of the caches and data regions kvgrid uses. */
public final class GridCaches {
    private GridCaches() {
    }

    public static String metaCache(KvGridConfiguration cfg) {
        return cfg.getCacheNamePrefix() + "-meta";
    }

    /** Payload cache for blocks of {@code replicas} copies: Ignite backups are per cache. */
    public static String dataCache(KvGridConfiguration cfg, int replicas) {
        return cfg.getCacheNamePrefix() + "-data-r" + replicas;
    }

    public static String metaRegion(KvGridConfiguration cfg) {
        return cfg.getDataRegionName() + "-meta";
    }

    static CacheConfiguration<String, BlockRecord> metaConfig(KvGridConfiguration cfg) {
        return base(new CacheConfiguration<String, BlockRecord>(metaCache(cfg)), cfg.getMaxReplicas() - 1, cfg)
            .setDataRegionName(metaRegion(cfg));
    }

    /**
     * Payload caches rebalance only when kvgrid asks ({@link CopyRestorer}): Ignite's own rebalancing would copy a
     * lost node's blocks into survivors whose regions are full, and its failure handler stops a node that runs out
     * of pages.
     */
    @SuppressWarnings("deprecation")
    static CacheConfiguration<String, byte[]> dataConfig(KvGridConfiguration cfg, int replicas) {
        return base(new CacheConfiguration<String, byte[]>(dataCache(cfg, replicas)), replicas - 1, cfg)
            .setDataRegionName(cfg.getDataRegionName())
            .setRebalanceDelay(-1);
    }

    /** {@link #dataConfig} named {@code name}, rebalanced by Ignite as soon as the topology changes. */
    @SuppressWarnings("deprecation")
    static CacheConfiguration<String, byte[]> scratchConfig(KvGridConfiguration cfg, int replicas, String name) {
        return dataConfig(cfg, replicas).setName(name).setRebalanceDelay(0);
    }

    private static <K, V> CacheConfiguration<K, V> base(CacheConfiguration<K, V> c, int backups,
                                                         KvGridConfiguration cfg) {
        // FULL_SYNC: a put is acknowledged only once every replica has it, so nothing acknowledged is lost with
        // a node. Same affinity function and partition count on every cache keep a key's meta and data together.
        return c.setCacheMode(CacheMode.PARTITIONED)
            .setAtomicityMode(CacheAtomicityMode.ATOMIC)
            .setBackups(backups)
            .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
            .setReadFromBackup(true)
            .setCopyOnRead(false)
            .setAffinity(new KvGridAffinity(cfg.getPartitions()));
    }

    /**
     * Adds kvgrid's data regions to {@code ignite} unless regions of those names exist already (a user's own sizing
     * wins). Metrics are enabled on the block region: eviction reads its fill.
     */
    public static void addRegions(IgniteConfiguration ignite, KvGridConfiguration cfg) {
        DataStorageConfiguration ds = ignite.getDataStorageConfiguration();
        if (ds == null) {
            ds = new DataStorageConfiguration().setPageSize(cfg.getPageSizeBytes());
            ignite.setDataStorageConfiguration(ds);
        }
        List<DataRegionConfiguration> regions = new ArrayList<>();
        if (ds.getDataRegionConfigurations() != null)
            regions.addAll(Arrays.asList(ds.getDataRegionConfigurations()));
        if (regions.stream().noneMatch(r -> r.getName().equals(cfg.getDataRegionName())))
            regions.add(region(cfg.getDataRegionName(), cfg.getDataRegionBytes()));
        if (regions.stream().noneMatch(r -> r.getName().equals(metaRegion(cfg))))
            regions.add(region(metaRegion(cfg), cfg.getMetaRegionBytes()));
        ds.setDataRegionConfigurations(regions.toArray(new DataRegionConfiguration[0]));
    }

    private static DataRegionConfiguration region(String name, long bytes) {
        return new DataRegionConfiguration().setName(name)
            .setInitialSize(Math.min(bytes, 64L << 20))
            .setMaxSize(bytes)
            .setMetricsEnabled(true);
    }
}
