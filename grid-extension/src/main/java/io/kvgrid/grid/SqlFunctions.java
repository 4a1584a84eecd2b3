package io.kvgrid.grid;

import io.kvgrid.ClientRole;
import io.kvgrid.KvGridException;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.query.annotations.QuerySqlFunction;

import java.util.Arrays;
import java.util.List;

/**
 * kvgrid's block operations as SQL functions, for thin clients without Ignite services (Node.js, Python, C++, ODBC):
 * {@code SELECT KVGRID_PUT(?, ?)} in schema {@value ThinClientGateway#SQL_SCHEMA}. A query without tables runs on the
 * node the client is connected to, in its thin-client thread, so each call is one kvgrid operation on that node, with
 * the node's rights: space reservation, write-once install, leases on reads and eviction all apply. Failures are SQL
 * errors whose message carries the {@code ErrorCode} (e.g. {@code INVALID_KEY [key]: ...}).
 *
 * <p>A payload argument must be sent typed as a byte array (VARBINARY, Ignite's BYTE_ARRAY): the SQL engine turns a
 * value of another type (an untyped array of numbers arrives as DOUBLE_ARRAY) into its serialized bytes, which would
 * be stored as they are. A parameter of type Object cannot catch that: the engine then deserializes real byte arrays.
 */
public final class SqlFunctions {
    private SqlFunctions() {
    }

    /** Write-once put; true when stored, false when the key existed (left unchanged). */
    @QuerySqlFunction(alias = "kvgrid_put")
    public static boolean kvgridPut(String key, byte[] value) {
        return run(ClientRole.WRITE, "kvgrid_put", s -> s.put(key, value).stored());
    }

    /** Stores the block, replacing any block of the key; returns the number of copies. */
    @QuerySqlFunction(alias = "kvgrid_upsert")
    public static int kvgridUpsert(String key, byte[] value) {
        return run(ClientRole.WRITE, "kvgrid_upsert", s -> s.upsert(key, value).replicas());
    }

    /** The payload (taking a read lease), or NULL when no block is stored. */
    @QuerySqlFunction(alias = "kvgrid_get")
    public static byte[] kvgridGet(String key) {
        return run(ClientRole.READ, "kvgrid_get", s -> {
            try {
                return s.get(key);
            } catch (KvGridException e) {
                if (e.code() == io.kvgrid.ErrorCode.NOT_FOUND)
                    return null;
                throw e;
            }
        });
    }

    /** Whether a block is stored (taking a read lease on a hit). */
    @QuerySqlFunction(alias = "kvgrid_exists")
    public static boolean kvgridExists(String key) {
        return run(ClientRole.READ, "kvgrid_exists", s -> s.exists(key));
    }

    /** Payload size in bytes, or -1 when no block is stored. */
    @QuerySqlFunction(alias = "kvgrid_size")
    public static long kvgridSize(String key) {
        return run(ClientRole.READ, "kvgrid_size", s -> s.query(key).map(io.kvgrid.BlockMeta::size).orElse(-1L));
    }

    /**
     * {@code lookupOnPrefixLength} of newline-separated ids (keys hold no control characters, so a newline cannot be
     * part of one): how many leading ids are stored.
     */
    @QuerySqlFunction(alias = "kvgrid_prefix_length")
    public static int kvgridPrefixLength(String newlineSeparatedIds) {
        return run(ClientRole.READ, "kvgrid_prefix_length", s -> {
            List<String> ids = newlineSeparatedIds == null || newlineSeparatedIds.isEmpty() ? List.of()
                : Arrays.asList(newlineSeparatedIds.split("\n", -1));
            return s.lookupOnPrefixLength(ids);
        });
    }

    /** Removes a block; true when removed, false when none was stored. HAS_LEASE when it is leased. */
    @QuerySqlFunction(alias = "kvgrid_remove")
    public static boolean kvgridRemove(String key) {
        return run(ClientRole.WRITE, "kvgrid_remove", s -> {
            try {
                s.remove(key);
                return true;
            } catch (KvGridException e) {
                if (e.code() == io.kvgrid.ErrorCode.NOT_FOUND)
                    return false;
                throw e;
            }
        });
    }

    /** Checks the caller's role (FORBIDDEN naming the function), then runs {@code op} with the node's rights. */
    private static <T> T run(ClientRole needed, String function, java.util.function.Function<GridBlockStore, T> op) {
        Ignite ignite = Ignition.localIgnite();
        KvGridRuntime rt = KvGridRuntime.of(ignite);
        if (rt == null)
            throw new KvGridException(io.kvgrid.ErrorCode.NODE_UNAVAILABLE, null, "kvgrid is not running on this node");
        KvGridSecurityProcessor.requireInSql(ignite, needed, function);
        try (AutoCloseable ignored = KvGridSecurityProcessor.asNode(ignite)) {
            return op.apply(rt.store());
        } catch (KvGridException e) {
            throw e;
        } catch (Exception e) {
            throw Failures.wrap(e, "kvgrid SQL function");
        }
    }
}
