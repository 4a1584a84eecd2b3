package io.kvgrid.client;

import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.binary.BinaryObject;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientAuthorizationException;
import org.apache.ignite.client.ClientCache;
import org.apache.ignite.client.ClientCacheConfiguration;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.cluster.ClusterState;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.Ignition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import javax.cache.processor.EntryProcessor;
import javax.cache.processor.MutableEntry;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain Ignite thin client, as any language has it, can read kvgrid's caches but not change them: every write,
 * removal, clear and destroy is refused by the servers, and a block stored through kvgrid stays intact.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RawThinAccessTest {
    private static TestCluster cluster;
    private static IgniteClient raw;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(2);
        raw = Ignition.startClient(new ClientConfiguration().setAddresses(cluster.thinClientAddress(0)));
        cluster.store(0).put("raw/kept", Payload.of("raw/kept", 50_000));
    }

    @AfterAll
    static void stop() {
        if (raw != null)
            raw.close();
        if (cluster != null)
            cluster.close();
    }

    @Test
    void rawWritesIntoThePayloadCacheAreRefusedAndStoreNothing() {
        ClientCache<String, byte[]> data = raw.cache("kvgrid-data-r2");
        int before = data.size();
        refused(() -> data.put("raw/flood", new byte[1 << 20]));
        refused(() -> data.putAll(Map.of("raw/a", new byte[10], "raw/b", new byte[10])));
        refused(() -> data.putIfAbsent("raw/c", new byte[10]));
        refused(() -> data.getAndPut("raw/d", new byte[10]));
        refused(() -> data.invoke("raw/e", new SetValue()));
        assertEquals(before, data.size());
    }

    @Test
    void aRecordOfAForeignTypeIsRefused() {
        ClientCache<String, BinaryObject> meta = raw.cache("kvgrid-meta").withKeepBinary();
        BinaryObject foreign = raw.binary().builder("IoKvgridGridBlockRecord")
            .setField("state", 1).setField("size", 10L).build();
        refused(() -> meta.put("raw/foreign", foreign));
        refused(() -> meta.replace("raw/kept", foreign));
        assertFalse(cluster.store(1).exists("raw/foreign"));
        assertArrayEquals(Payload.of("raw/kept", 50_000), cluster.store(1).get("raw/kept"));
    }

    @Test
    void removalsClearAndDestroyOfKvgridCachesAreRefused() {
        ClientCache<String, Object> meta = raw.cache("kvgrid-meta");
        refused(() -> meta.remove("raw/kept"));
        // Whole-cache removals run as a job on every node; each node refuses its part.
        refusedOnEveryNode(() -> meta.removeAll());
        refusedOnEveryNode(meta::clear);
        refusedOnEveryNode(() -> raw.cache("kvgrid-data-r2").clear());
        refused(() -> raw.destroyCache("kvgrid-meta"));
        refused(() -> raw.destroyCache("kvgrid-data-r2"));
        assertArrayEquals(Payload.of("raw/kept", 50_000), cluster.store(0).get("raw/kept"));
    }

    @Test
    void rawReadsOfTheRecordShowItsDocumentedFields() {
        ClientCache<String, BinaryObject> meta = raw.cache("kvgrid-meta").withKeepBinary();
        BinaryObject rec = meta.get("raw/kept");
        assertNotNull(rec);
        assertEquals(50_000L, (long) rec.field("size"));
        assertEquals(1, (int) rec.field("state"));
        String dataKey = rec.field("dataKey");
        assertTrue(dataKey.startsWith("raw/kept\uFFFF"), dataKey);
        assertFalse(dataKey.chars().anyMatch(Character::isISOControl), "data keys hold no control characters");
        byte[] payload = raw.<String, byte[]>cache(rec.field("dataCache")).get(dataKey);
        assertArrayEquals(Payload.of("raw/kept", 50_000), payload);
    }

    @Test
    void aThinClientCannotCreateCachesNeitherInKvgridsRegionNorThroughSqlAndTheNodesStayUp() {
        refused(() -> raw.createCache(new ClientCacheConfiguration().setName("squatter").setDataRegionName("kvgrid-blocks")));
        refused(() -> raw.getOrCreateCache("kvgrid-data-r3"));
        refused(() -> raw.query(new SqlFieldsQuery(
            "CREATE TABLE squat (id INT PRIMARY KEY, v VARBINARY) WITH \"DATA_REGION=kvgrid-blocks\"")).getAll());
        assertFalse(raw.cacheNames().stream().anyMatch(n -> n.toUpperCase().contains("SQUAT")));
        assertFalse(raw.cacheNames().contains("kvgrid-data-r3"));
        assertEquals(2, cluster.node(1).ignite().cluster().forServers().nodes().size());
    }

    @Test
    void aThinClientCannotDeactivateTheCluster() {
        refused(() -> raw.cluster().state(ClusterState.INACTIVE));
        assertEquals(ClusterState.ACTIVE, cluster.node(0).ignite().cluster().state());
    }

    /** Refused by the servers' authorization (Ignite tells thin clients no more than that). */
    private static void refused(Executable call) {
        Exception e = assertThrows(Exception.class, call);
        boolean authz = false;
        for (Throwable t = e; t != null; t = t.getCause())
            authz |= t instanceof ClientAuthorizationException;
        assertTrue(authz, "refused by authorization: " + chain(e));
    }

    private static void refusedOnEveryNode(Executable call) {
        Exception e = assertThrows(Exception.class, call);
        String all = chain(e);
        assertTrue(all.contains("Remote job threw exception") || e instanceof ClientAuthorizationException, all);
        assertEquals(1, cluster.store(0).lookupOnPrefixLength(java.util.List.of("raw/kept")));
    }

    private static String chain(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 4000; t = t.getCause())
            b.append(t).append(" | ");
        return b.toString();
    }

    /** An entry processor a client might try to slip a value in with. */
    private static final class SetValue implements EntryProcessor<String, byte[], Object>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object process(MutableEntry<String, byte[]> e, Object... args) {
            e.setValue(new byte[] {1});
            return null;
        }
    }
}
