#!/usr/bin/env node
'use strict';
/**
 * Puts one kvgrid block from Node.js and reads it back, through kvgrid's SQL functions.
 *
 *     node put-get.js HOST:PORT [KEY] [SIZE]
 *
 * HOST:PORT is a kvgrid server node's thin-client endpoint (Ignite's client connector, 10800 by default). KEY defaults
 * to a fresh 'nodejs/put-get-<time>-<pid>', SIZE (bytes, 0..16 MiB) to 262144. Set KVGRID_PREFIX when the cluster
 * uses another cache name prefix than 'kvgrid'.
 *
 * The block's bytes follow from KEY and SIZE (see payload()), so anyone can check them: the program
 *  1. stores them with kvgrid_put (write-once; a KEY already holding exactly these bytes is accepted as is),
 *  2. reads them back with kvgrid_get and compares every byte,
 *  3. checks kvgrid_exists, kvgrid_size and kvgrid_prefix_length([KEY, a key never stored]) == 1,
 *  4. shows that a key with a control character (KEY + "\u0001") is refused with INVALID_KEY, and that a raw write
 *     into kvgrid's metadata cache is refused too, and that the block is unchanged after both.
 * It ends with the line 'OK key=<KEY> bytes=<SIZE> sha256=<hex digest of the bytes>' and exit status 0; any failed
 * check prints 'FAILED: <why>' and exits 1 (2 for bad arguments).
 */
const crypto = require('crypto');
const IgniteClient = require('apache-ignite-client');
const { KvGrid, KvGridError } = require('./kvgrid');

const MAX_SIZE = 16 << 20;   // the Ignite client sends a payload as an Array of numbers: keep it bounded
const DEADLINE_MS = 120000;  // a cluster that stops answering must not leave the program hanging

/** SIZE bytes: SHA-256(KEY + '#0') || SHA-256(KEY + '#1') || ... cut to SIZE (KEY as UTF-8, counter in decimal). */
function payload(key, size) {
    const out = Buffer.alloc(size);
    for (let i = 0, at = 0; at < size; i++)
        at += crypto.createHash('sha256').update(key + '#' + i, 'utf8').digest().copy(out, at);
    return out;
}

function sha256(buf) {
    return crypto.createHash('sha256').update(buf).digest('hex');
}

class Failure extends Error {
}

function check(ok, why) {
    if (!ok)
        throw new Failure(why);
}

function parseArgs(argv) {
    if (argv.length < 1 || argv.length > 3 || argv[0] === '-h' || argv[0] === '--help')
        return null;
    const endpoint = argv[0];
    if (!/^[^:\s]+:\d{1,5}$/.test(endpoint))
        throw new RangeError('HOST:PORT expected, got ' + JSON.stringify(endpoint));
    const key = argv.length > 1 ? argv[1] : 'nodejs/put-get-' + Date.now() + '-' + process.pid;
    const sizeText = argv.length > 2 ? argv[2] : '262144';
    if (!/^\d{1,9}$/.test(sizeText) || Number(sizeText) > MAX_SIZE)
        throw new RangeError('SIZE must be a whole number of bytes from 0 to ' + MAX_SIZE + ', got '
            + JSON.stringify(sizeText));
    return { endpoint, key, size: Number(sizeText) };
}

/** Runs `op`, which the server must refuse with an error that `expected` accepts; returns that error. */
async function expectRefusal(what, op, expected) {
    try {
        await op();
    } catch (err) {
        check(expected(err), what + ' failed in an unexpected way: ' + err.message);
        return err;
    }
    throw new Failure(what + ' was accepted');
}

async function run({ endpoint, key, size }) {
    const prefix = process.env.KVGRID_PREFIX || 'kvgrid';
    const bytes = payload(key, size);
    const digest = sha256(bytes);
    const grid = await KvGrid.connect(endpoint, prefix);
    try {
        console.log('connected to ' + endpoint + '; key=' + JSON.stringify(key) + ' bytes=' + size);

        if (await grid.put(key, bytes)) {
            console.log('kvgrid_put: stored ' + size + ' bytes');
        } else {
            // Write-once: the key was stored before. That is fine only when it holds these very bytes.
            const old = await grid.get(key);
            check(old !== null && old.equals(bytes), 'key ' + JSON.stringify(key)
                + ' already holds a different block (kvgrid_put is write-once); pick another KEY');
            console.log('kvgrid_put: key already held these bytes (write-once: left as it was)');
        }

        const back = await grid.get(key);
        check(back !== null, 'kvgrid_get found no block right after the put');
        check(back.length === size, 'kvgrid_get returned ' + back.length + ' bytes, expected ' + size);
        const bad = back.findIndex((b, i) => b !== bytes[i]);
        check(bad < 0, 'kvgrid_get differs at byte ' + bad + ': ' + back[bad] + ' instead of ' + bytes[bad]);
        console.log('kvgrid_get: ' + back.length + ' bytes, every byte as written');

        check(await grid.exists(key) === true, 'kvgrid_exists is not true for the stored key');
        check(await grid.size(key) === size, 'kvgrid_size does not report ' + size);
        const never = key + '/never-stored';
        check(await grid.size(never) === -1, 'kvgrid_size of a key never stored is not -1');
        const hits = await grid.prefixLength([key, never, key]);
        check(hits === 1, 'kvgrid_prefix_length([key, never stored, key]) is ' + hits + ', expected 1');
        console.log('kvgrid_exists: true, kvgrid_size: ' + size + ', kvgrid_prefix_length: ' + hits);

        const refused = await expectRefusal('a put with a control character in the key',
            () => grid.put(key + '\u0001', bytes), err => err instanceof KvGridError && err.code === 'INVALID_KEY');
        console.log('bad key refused: ' + refused.message);

        // Thin clients may read kvgrid's caches but not write them: a raw entry would skip space reservation. Ignite
        // sends thin clients only 'not authorized' for a security refusal; kvgrid's reason stays in the server's log.
        const raw = await expectRefusal('a raw write into ' + prefix + '-meta',
            () => grid.client.getCache(prefix + '-meta').put(key + '/raw', 'not a block record'),
            err => err instanceof IgniteClient.Errors.OperationError && err.message.includes('not authorized'));
        console.log('raw cache write refused: ' + raw.message.split('\n')[0]);

        const after = await grid.get(key);
        check(after !== null && after.equals(bytes), 'the block changed after the refused writes');
        check(await grid.size(key + '/raw') === -1, 'the refused raw write left a block behind');
        console.log('OK key=' + key + ' bytes=' + size + ' sha256=' + digest);
    } finally {
        grid.close();
    }
}

async function main() {
    let args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        console.error('put-get: ' + err.message);
        return 2;
    }
    if (args === null) {
        console.error('usage: node put-get.js HOST:PORT [KEY] [SIZE]');
        return 2;
    }
    setTimeout(() => {
        console.error('FAILED: no answer from ' + args.endpoint + ' within ' + DEADLINE_MS / 1000 + ' s');
        process.exit(1);
    }, DEADLINE_MS).unref();
    try {
        await run(args);
        return 0;
    } catch (err) {
        const known = err instanceof Failure || err instanceof KvGridError || err instanceof IgniteClient.Errors.IgniteClientError;
        console.error('FAILED: ' + (known ? err.message : (err && err.stack) || err));
        return 1;
    }
}

if (require.main === module)
    main().then(code => { process.exitCode = code; });

module.exports = { payload, sha256 };
