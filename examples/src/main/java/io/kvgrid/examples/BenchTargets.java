package io.kvgrid.examples;

import io.kvgrid.BlockStore;
import io.kvgrid.KeyResult;
import io.kvgrid.KvGridConfiguration;
import io.kvgrid.KvGridNode;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
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

    /** A baseline operation that never completed: its rows are left out, and the run goes on. */
    static final class Stalled extends RuntimeException {
        Stalled(String message) {
            super(message);
        }
    }

    /**
     * kvgrid with default settings (2 replicas: one backup) but for a pre-touched block region, as a serving node
     * starts ({@code kvgrid node} does the same). One node runs in this JVM and is used directly; more nodes run as
     * server JVMs of their own ({@link BenchJvms}), used through a client node in this JVM.
     */
    static final class KvGrid implements BenchTarget {
        private final LocalCluster cluster;
        private final BenchJvms servers;
        private final KvGridNode client;
        final BlockStore store;
        /** The writing node's meters (this JVM's node, or the client node): where each put's time went. */
        final io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        private final int nodes;

        /**
         * Total nanoseconds of each put step timed by the server JVMs' nodes so far ({@link BenchPutSteps#STEPS}
         * order): the steps the records' primaries took for this client node's writes over their channels. Zeros on
         * one node (its steps are in {@link #meters}).
         */
        double[] serverStepNanos() {
            double[] sum = new double[1 + BenchPutSteps.STEPS.size()];
            if (client == null)
                return sum;
            org.apache.ignite.Ignite ig = client.ignite();
            for (double[] n : ig.compute(ig.cluster().forServers()).broadcast(new BenchServer.PutSteps()))
                for (int i = 0; i < sum.length; i++)
                    sum[i] += n[i];
            return sum;
        }

        KvGrid(int nodes, long dataRegionBytes) throws Exception {
            this(nodes, dataRegionBytes, BenchServer.kvgridConfig(dataRegionBytes));
        }

        KvGrid(int nodes, long dataRegionBytes, KvGridConfiguration cfg) throws Exception {
            this.nodes = nodes;
            cfg.setMeterRegistry(meters);
            if (nodes == 1) {
                cluster = LocalCluster.kvgrid(1, cfg);
                servers = null;
                client = null;
                store = cluster.node(0).store();
                return;
            }
            cluster = null;
            servers = BenchJvms.start("kvgrid", nodes, dataRegionBytes);
            try {
                int port = servers.discoveryPort();
                client = io.kvgrid.KvGrid.start(io.kvgrid.KvGrid.embeddedConfiguration("bench-client-" + port, cfg,
                    port, port + io.kvgrid.KvGrid.DISCOVERY_PORT_RANGE).setClientMode(true)
                    .setWorkDirectory(servers.workDir().toString()));
            } catch (RuntimeException e) {
                servers.close();
                throw e;
            }
            store = client.store();
        }

        public String system() {
            return "kvgrid";
        }

        public int nodes() {
            return nodes;
        }

        public boolean processes() {
            return servers != null;
        }

        public void put(String key, byte[] value) {
            store.put(key, value);
        }

        public byte[] get(String key) {
            return store.get(key);
        }

        public boolean readsInto() {
            return true;
        }

        public int getInto(String key, java.nio.ByteBuffer buf) {
            return store.getInto(key, buf);
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
            if (cluster != null)
                cluster.close();
            if (client != null)
                client.close();
            if (servers != null)
                servers.close();
        }
    }

    /**
     * The baseline a user writes by hand: plain Ignite nodes (only discovery pinned to 127.0.0.1, and without kvgrid's
     * plugin, which Ignite would otherwise load from the classpath) and one {@code IgniteCache<String, byte[]>}, with
     * one backup on several nodes, written synchronously to both copies, as kvgrid has; its data region has kvgrid's settings (page size, initial and
     * maximum size) and is pre-touched as kvgrid's is (filled, then cleared: Ignite keeps the freed pages). One node
     * runs in this JVM; more run as server JVMs of their own, used through a client node in this JVM.
     */
    static final class IgniteBaseline implements BenchTarget {
        static final int STALL_SECONDS = 30;
        private final LocalCluster cluster;
        private final BenchJvms servers;
        private final Ignite client;
        private final IgniteCache<String, byte[]> cache;

        IgniteBaseline(int nodes, long regionBytes) throws Exception {
            if (nodes == 1) {
                cluster = LocalCluster.ignite(1, (i, port) -> configuration("baseline-" + port + "-" + i, port,
                    regionBytes, false));
                servers = null;
                client = cluster.ignite(0);
            } else {
                cluster = null;
                servers = BenchJvms.start("ignite", nodes, regionBytes);
                try {
                    client = Ignition.start(configuration("baseline-client-" + servers.discoveryPort(),
                        servers.discoveryPort(), regionBytes, true).setWorkDirectory(servers.workDir().toString()));
                } catch (RuntimeException e) {
                    servers.close();
                    throw e;
                }
            }
            // FULL_SYNC as kvgrid's caches: a put returns once both copies hold the value (Ignite's default,
            // PRIMARY_SYNC, returns before the backup has it, a weaker promise than kvgrid's put makes).
            cache = client.getOrCreateCache(new CacheConfiguration<String, byte[]>("baseline")
                .setBackups(nodes > 1 ? 1 : 0)
                .setWriteSynchronizationMode(org.apache.ignite.cache.CacheWriteSynchronizationMode.FULL_SYNC));
            preTouch(nodes, regionBytes);
        }

        /**
         * {@code op}'s result, or {@link Stalled} after {@link #STALL_SECONDS}: with Ignite's fixed 32 KiB
         * communication socket buffers, plain Ignite's 1 MiB put between processes here sometimes never completed
         * (a sender waiting on TCP's persist timer); the baseline now has kernel-sized buffers, as kvgrid's nodes
         * do, and a put that still never completes ends its rows rather than hanging the bench.
         */
        private <T> T bounded(org.apache.ignite.lang.IgniteFuture<T> op, String what) {
            try {
                return op.get(STALL_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (org.apache.ignite.lang.IgniteFutureTimeoutException e) {
                throw new Stalled("plain Ignite's " + what + " did not complete in " + STALL_SECONDS + " s");
            }
        }

        /** Fills three quarters of every node's region with 1 MiB values, then clears them (untimed). */
        private void preTouch(int nodes, long regionBytes) {
            byte[] chunk = new byte[1 << 20];
            long blocks = (long) (regionBytes * 0.75 / chunk.length) * nodes / Math.min(2, nodes);
            java.util.Map<String, byte[]> batch = new java.util.TreeMap<>();
            for (long i = 0; i < blocks; i++) {
                batch.put("pretouch-" + i, chunk);
                if (batch.size() == 16 || i == blocks - 1) {
                    cache.putAll(batch);
                    batch.clear();
                }
            }
            cache.clear();
        }

        /**
         * A baseline node: discovery on {@code port}, the default data region with kvgrid's page size and block
         * region sizing ({@code regionBytes}), communication socket buffers sized by the kernel as kvgrid's are
         * (Ignite's fixed 32 KiB stalled its 1 MiB puts between JVMs for seconds, or for good: see
         * {@code KvGrid.communicationBuffers}), Ignite's defaults otherwise.
         */
        static IgniteConfiguration configuration(String name, int port, long regionBytes, boolean clientMode) {
            KvGridConfiguration kv = new KvGridConfiguration();
            TcpDiscoveryVmIpFinder finder = new TcpDiscoveryVmIpFinder()
                .setAddresses(List.of("127.0.0.1:" + port + ".." + (port + io.kvgrid.KvGrid.DISCOVERY_PORT_RANGE - 1)));
            IgniteConfiguration cfg = new IgniteConfiguration()
                .setIgniteInstanceName(name)
                .setClientMode(clientMode)
                .setLocalHost("127.0.0.1")
                .setPluginProviders(new InertPluginProvider())
                .setDiscoverySpi(new TcpDiscoverySpi().setIpFinder(finder).setLocalAddress("127.0.0.1")
                    .setLocalPort(port).setLocalPortRange(io.kvgrid.KvGrid.DISCOVERY_PORT_RANGE))
                .setCommunicationSpi(new TcpCommunicationSpi().setLocalAddress("127.0.0.1")
                    .setSocketReceiveBuffer(0).setSocketSendBuffer(0))
                .setDataStorageConfiguration(new DataStorageConfiguration().setPageSize(kv.getPageSizeBytes())
                    .setDefaultDataRegionConfiguration(new DataRegionConfiguration().setName("default")
                        .setInitialSize(Math.min(regionBytes, 64L << 20)).setMaxSize(regionBytes)));
            if (!Boolean.getBoolean("kvgrid.ignite.log"))
                cfg.setGridLogger(new NullLogger());
            return cfg;
        }

        public int nodes() {
            return cluster != null ? cluster.size() : servers.size();
        }

        public boolean processes() {
            return servers != null;
        }

        public String system() {
            return "ignite-baseline";
        }

        public void put(String key, byte[] value) {
            bounded(cache.putAsync(key, value), "put");
        }

        public byte[] get(String key) {
            return bounded(cache.getAsync(key), "get");
        }

        public List<byte[]> batchGet(List<String> keys) {
            Map<String, byte[]> m = bounded(cache.getAllAsync(new LinkedHashSet<>(keys)), "getAll");
            List<byte[]> out = new ArrayList<>(keys.size());
            for (String k : keys)
                out.add(m.get(k));
            return out;
        }

        public void clear() {
            cache.clear();
        }

        public void close() {
            if (cluster != null)
                cluster.close();
            else {
                client.close();
                servers.close();
            }
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

        public boolean processes() {
            return true;
        }

        public int copies() {
            return 1;
        }

        /** One GET per key, all sent in one pipeline before the first reply is read. */
        List<byte[]> pipelinedGet(List<String> keys) {
            redis.clients.jedis.Pipeline p = client.pipelined();
            List<redis.clients.jedis.Response<byte[]>> replies = new ArrayList<>(keys.size());
            for (String k : keys)
                replies.add(p.get(utf8(k)));
            p.sync();
            List<byte[]> out = new ArrayList<>(keys.size());
            for (var r : replies)
                out.add(r.get());
            return out;
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
