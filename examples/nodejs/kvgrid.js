'use strict';
/**
 * kvgrid's block operations for Node.js, over the Apache Ignite thin client (npm package apache-ignite-client).
 *
 * Ignite's Node.js client cannot call Ignite services, so it reaches kvgrid through the SQL functions kvgrid registers
 * on its cache `<prefix>-sql` (schema KVGRID): `SELECT kvgrid_put(?, ?)` and so on. Each call is one kvgrid operation
 * on the server node the client is connected to, with all of kvgrid's rules (write-once puts, space reservation, read
 * leases, eviction). Payloads travel as Ignite BYTE_ARRAY (SQL VARBINARY, Java byte[]); this module turns them into
 * and out of Buffers.
 *
 *     const { KvGrid } = require('./kvgrid');
 *     const grid = await KvGrid.connect('127.0.0.1:10800');
 *     try {
 *         await grid.put('model-a/blk-0', Buffer.from('kv bytes'));   // true: stored
 *         const bytes = await grid.get('model-a/blk-0');               // Buffer, or null when absent
 *     } finally {
 *         grid.close();
 *     }
 */
const IgniteClient = require('apache-ignite-client');

const { IgniteClientConfiguration, SqlFieldsQuery, ObjectType } = IgniteClient;
const STRING = ObjectType.PRIMITIVE_TYPE.STRING;
const BYTES = ObjectType.PRIMITIVE_TYPE.BYTE_ARRAY;

/** The codes of io.kvgrid.ErrorCode; a kvgrid failure's message starts with one of them. */
const ERROR_CODES = ['NOT_FOUND', 'ALREADY_EXISTS', 'HAS_LEASE', 'LEASE_EXPIRED', 'NO_SPACE', 'INVALID_KEY',
    'INVALID_ARGUMENT', 'BUFFER_TOO_SMALL', 'CHECKSUM_MISMATCH', 'TIMEOUT', 'NODE_UNAVAILABLE', 'INVALID_CONFIG',
    'INTERNAL'];
// "CODE [argument]: detail" inside the server's SQL error, which ends with '"; SQL statement: ...'.
const KVGRID_FAILURE = new RegExp('\\b(' + ERROR_CODES.join('|') + ')(?: \\[([^\\]]*)\\])?: (.*?)(?:"; SQL statement:|$)',
    'gs');

/**
 * A kvgrid operation refused by the server: `code` is the io.kvgrid.ErrorCode name, `argument` the argument it names
 * (or null), `detail` the rest of kvgrid's message; `cause` is the Ignite client's OperationError.
 */
class KvGridError extends Error {
    constructor(code, argument, detail, cause) {
        super(code + (argument === null ? '' : ' [' + argument + ']') + ': ' + detail);
        this.name = 'KvGridError';
        this.code = code;
        this.argument = argument;
        this.detail = detail;
        this.cause = cause;
    }

    /** The KvGridError inside an Ignite client error, or the error itself when it carries no kvgrid code. */
    static from(err) {
        const message = err && typeof err.message === 'string' ? err.message : '';
        // The last match: the server's message first echoes the call with its arguments, which a caller controls.
        let last = null;
        for (const m of message.matchAll(KVGRID_FAILURE))
            last = m;
        return last === null ? err : new KvGridError(last[1], last[2] === undefined ? null : last[2], last[3], err);
    }
}

/** A Buffer's bytes as the Ignite client writes a BYTE_ARRAY: an Array of signed numbers (-128..127). */
function toByteArray(buf) {
    return Array.from(new Int8Array(buf.buffer, buf.byteOffset, buf.length));
}

/** A BYTE_ARRAY as the Ignite client reads it (an Array of signed numbers) as a Buffer; null stays null. */
function toBuffer(signedBytes) {
    return signedBytes === null ? null : Buffer.from(Int8Array.from(signedBytes).buffer);
}

/** A connection to one kvgrid server node. */
class KvGrid {
    constructor(client, cache) {
        this._client = client;
        this._cache = cache;
    }

    /**
     * Connects to `endpoints` ('HOST:PORT' or an array of them: the client picks one and fails over to the others).
     * `prefix` is kvgrid's cache name prefix (KvGridConfiguration.cacheNamePrefix, 'kvgrid' by default).
     */
    static async connect(endpoints, prefix = 'kvgrid') {
        const client = new IgniteClient();
        await client.connect(new IgniteClientConfiguration(...[].concat(endpoints)));
        // getCache only names the cache; getOrCreateCache would ask to create a missing one, which kvgrid refuses.
        return new KvGrid(client, client.getCache(prefix + '-sql'));
    }

    /** Write-once put: true when stored, false when the key was already stored (its block is left unchanged). */
    async put(key, bytes) {
        return this._call('SELECT kvgrid_put(?, ?)', [key, toByteArray(bytes)], [STRING, BYTES]);
    }

    /** Stores the block, replacing any block of the key; resolves to the number of copies kept. */
    async upsert(key, bytes) {
        return this._call('SELECT kvgrid_upsert(?, ?)', [key, toByteArray(bytes)], [STRING, BYTES]);
    }

    /** The block's bytes (taking a read lease, as every kvgrid read does), or null when no block is stored. */
    async get(key) {
        return toBuffer(await this._call('SELECT kvgrid_get(?)', [key], [STRING]));
    }

    /** Whether a block is stored (a hit takes a read lease). */
    async exists(key) {
        return this._call('SELECT kvgrid_exists(?)', [key], [STRING]);
    }

    /** The block's size in bytes, or -1 when no block is stored. */
    async size(key) {
        return this._call('SELECT kvgrid_size(?)', [key], [STRING]);
    }

    /** How many leading ids of `ids` (a prefix's blocks, in order) are stored. */
    async prefixLength(ids) {
        return this._call('SELECT kvgrid_prefix_length(?)', [ids.join('\n')], [STRING]);
    }

    /** Removes a block: true when removed, false when none was stored; HAS_LEASE while it is leased. */
    async remove(key) {
        return this._call('SELECT kvgrid_remove(?)', [key], [STRING]);
    }

    /** The underlying IgniteClient, for plain Ignite caches of the same cluster. */
    get client() {
        return this._client;
    }

    close() {
        this._client.disconnect();
    }

    async _call(sql, args, types) {
        const query = new SqlFieldsQuery(sql).setArgs(...args).setArgTypes(...types);
        let rows;
        try {
            rows = await (await this._cache.query(query)).getAll();
        } catch (err) {
            throw KvGridError.from(err);
        }
        if (rows.length !== 1 || rows[0].length !== 1)
            throw new Error(sql + ' returned ' + rows.length + ' rows instead of one value');
        return rows[0][0];
    }
}

module.exports = { KvGrid, KvGridError, ERROR_CODES };
