package io.kvgrid.examples;

import io.kvgrid.BlockStore;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.configuration.CacheConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.logger.NullLogger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/** The stores {@code kvgrid bench} compares. */
final class BenchTargets {
    private BenchTargets() {
    }

    /**
     * kvgrid on {@code nodes} embedded nodes, default settings (2 replicas: one backup) but for a pre-touched block
     * region, as a serving node starts ({@code kvgrid node} does the same); used from node 0.
     */
    static final class KvGrid implements BenchTarget {
        final LocalCluster cluster;
        final BlockStore store;

        KvGrid(int nodes, long dataRegionBytes) {
            KvGridConfiguration cfg = new KvGridConfiguration();
            cfg.setDataRegionBytes(dataRegionBytes);
            cfg.setPreTouchRegion(true);
            cluster = LocalCluster.kvgrid(nodes, cfg);
            store = cluster.node(0).store();
        }

        public String system() {
            return "kvgrid";
        }

        public int nodes() {
            return cluster.size();
        }

        public void put(String key, byte[] value) {
            store.put(key, value);
        }

        public byte[] get(String key) {
            return store.get(key);
        }

        public List<byte[]> batchGet(List<String> keys) {
            List<byte[]> out = new ArrayList<>(keys.size());
            for (KeyResult<byte[]> r : store.batchGet(keys))
                out.add(r.valueOrThrow());
            return out;
        }

        public void clear() {
            store.removeAll(true);
        }

        public void close() {
            cluster.close();
        }
    }

    /**
     * The baseline a user writes by hand: plain Ignite nodes with Ignite's default configuration (only discovery
     * pinned to 127.0.0.1, and without kvgrid's plugin, which Ignite would otherwise load from the classpath) and one
     * default {@code IgniteCache<String, byte[]>}, with one backup on several nodes as kvgrid has.
     */
    static final class IgniteBaseline implements BenchTarget {
        private final LocalCluster cluster;
        private final IgniteCache<String, byte[]> cache;

        IgniteBaseline(int nodes) {
            cluster = LocalCluster.ignite(nodes, IgniteBaseline::configuration);
            cache = cluster.ignite(0).getOrCreateCache(new CacheConfiguration<String, byte[]>("baseline")
                .setBackups(nodes > 1 ? 1 : 0));
        }

        static IgniteConfiguration configuration(int index, int port) {
            TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder()
                .setAddresses(List.of("127.0.0.1:" + port + ".." + (port + io.kvgrid.KvGrid.DISCOVERY_PORT_RANGE - 1)));
            IgniteConfiguration cfg = new IgniteConfiguration()
                .setIgniteInstanceName("baseline-" + port + "-" + index)
                .setLocalHost("127.0.0.1")
                .setPluginProviders(new InertPluginProvider())
                .setDiscoverySpi(new TcpDiscoverySpi().setIpFinder(finder).setLocalAddress("127.0.0.1")
                    .setLocalPort(port).setLocalPortRange(io.kvgrid.KvGrid.DISCOVERY_PORT_RANGE))
                .setCommunicationSpi(new TcpCommunicationSpi().setLocalAddress("127.0.0.1"));
            if (!Boolean.getBoolean("kvgrid.ignite.log"))
                cfg.setGridLogger(new NullLogger());
            return cfg;
        }

        public String system() {
            return "ignite-baseline";
        }

        public int nodes() {
            return cluster.size();
        }

        public void put(String key, byte[] value) {
            cache.put(key, value);
        }

        public byte[] get(String key) {
            return cache.get(key);
        }

        public List<byte[]> batchGet(List<String> keys) {
            Map<String, byte[]> m = cache.getAll(new LinkedHashSet<>(keys));
            List<byte[]> out = new ArrayList<>(keys.size());
            for (String k : keys)
                out.add(m.get(k));
            return out;
        }

        public void clear() {
            cache.clear();
        }

        public void close() {
            cluster.close();
        }
    }

    /**
     * A Redis server started for the run, reached through Jedis on one connection (the workload's concurrency, as
     * for kvgrid's rows); a batch read is one MGET, the whole batch in one round trip.
     */
    static final class Redis implements BenchTarget {
        private final RedisServer server;
        private final Jedis client;

        Redis(RedisServer server) {
            this.server = server;
            this.client = server.client();
        }

        public String system() {
            return "redis";
        }

        public int nodes() {
            return 1;
        }

        public void put(String key, byte[] value) {
            client.set(utf8(key), value);
        }

        public byte[] get(String key) {
            return client.get(utf8(key));
        }

        public List<byte[]> batchGet(List<String> keys) {
            byte[][] k = new byte[keys.size()][];
            for (int i = 0; i < k.length; i++)
                k[i] = utf8(keys.get(i));
            return client.mget(k);
        }

        public void clear() {
            client.flushAll();
        }

        public void close() {
            client.close();
            server.close();
        }

        private static byte[] utf8(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }
    }
}
