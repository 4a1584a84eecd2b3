package io.kvgrid.client;

import io.kvgrid.testing.Payload;
import io.kvgrid.testing.TestCluster;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.client.ClientException;
import org.apache.ignite.client.IgniteClient;
import org.apache.ignite.configuration.ClientConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kvgrid's SQL functions, as any thin client with SQL calls them, against two real nodes. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SqlFunctionsTest {
    private static TestCluster cluster;
    private static IgniteClient client;

    @BeforeAll
    static void start() {
        cluster = TestCluster.start(2);
        client = Ignition.startClient(new ClientConfiguration().setAddresses(cluster.thinClientAddress(1)));
    }

    @AfterAll
    static void stop() {
        if (client != null)
            client.close();
        if (cluster != null)
            cluster.close();
    }

    private static Object call(String sql, Object... args) {
        List<List<?>> rows = client.query(new SqlFieldsQuery(sql).setSchema("KVGRID").setArgs(args)).getAll();
        return rows.get(0).get(0);
    }

    @Test
    void putGetExistsSizeRemoveRoundTripThroughSql() {
        byte[] v = Payload.of("sql/a", 70_000);
        assertEquals(true, call("SELECT kvgrid_put(?, ?)", "sql/a", v));
        assertEquals(false, call("SELECT kvgrid_put(?, ?)", "sql/a", new byte[3]), "write-once");
        assertArrayEquals(v, (byte[]) call("SELECT kvgrid_get(?)", "sql/a"));
        assertArrayEquals(v, cluster.store(0).get("sql/a"));
        assertEquals(true, call("SELECT kvgrid_exists(?)", "sql/a"));
        assertEquals(70_000L, call("SELECT kvgrid_size(?)", "sql/a"));
        assertEquals(1, call("SELECT kvgrid_prefix_length(?)", "sql/a\nsql/none\nsql/a"));
        assertTrue(cluster.store(0).query("sql/a").orElseThrow().leasedAt(System.currentTimeMillis()),
            "a read through SQL takes a lease");
        assertNull(call("SELECT kvgrid_get(?)", "sql/none"));
        assertEquals(-1L, call("SELECT kvgrid_size(?)", "sql/none"));
        assertEquals(2, call("SELECT kvgrid_upsert(?, ?)", "sql/b", new byte[] {1, 2}));
        String leased = assertThrows(ClientException.class, () -> call("SELECT kvgrid_remove(?)", "sql/a"))
            .getMessage();
        assertTrue(leased.contains("HAS_LEASE"), leased);
        assertEquals(false, call("SELECT kvgrid_remove(?)", "sql/none"));
    }

    @Test
    void badInputIsATypedErrorAndStoresNothing() {
        String badKey = assertThrows(ClientException.class,
            () -> call("SELECT kvgrid_put(?, ?)", "sql/\u0001", new byte[1])).getMessage();
        assertTrue(badKey.contains("INVALID_KEY [key]"), badKey);
        String nullValue = assertThrows(ClientException.class,
            () -> call("SELECT kvgrid_put(?, ?)", "sql/null", null)).getMessage();
        assertTrue(nullValue.contains("INVALID_ARGUMENT [value]"), nullValue);
        String tooLong = assertThrows(ClientException.class,
            () -> call("SELECT kvgrid_get(?)", "k".repeat(2000))).getMessage();
        assertTrue(tooLong.contains("INVALID_KEY [key]"), tooLong);
        assertFalse(cluster.store(0).exists("sql/null"));
        assertTrue(cluster.store(0).listKeys("sql/\\p{Cntrl}.*|sql/null").isEmpty());
    }
}
