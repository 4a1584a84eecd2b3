#!/usr/bin/env node
'use strict';
/**
 * Reads one kvgrid block from Node.js with kvgrid_get and prints its size and SHA-256 digest.
 *
 *     node get.js HOST:PORT KEY
 *
 * Prints 'key=<KEY> bytes=<size> sha256=<hex digest>' and exits 0 when the block is stored; exits 3 when it is not,
 * 1 on any other failure (a kvgrid refusal such as INVALID_KEY prints its code), 2 for bad arguments. The read takes a
 * read lease on the block, as every kvgrid read does. Set KVGRID_PREFIX when the cluster uses another cache name
 * prefix than 'kvgrid'.
 */
const crypto = require('crypto');
const { KvGrid } = require('./kvgrid');

const DEADLINE_MS = 120000;

async function main(argv) {
    if (argv.length !== 2 || !/^[^:\s]+:\d{1,5}$/.test(argv[0])) {
        console.error('usage: node get.js HOST:PORT KEY');
        return 2;
    }
    const [endpoint, key] = argv;
    setTimeout(() => {
        console.error('FAILED: no answer from ' + endpoint + ' within ' + DEADLINE_MS / 1000 + ' s');
        process.exit(1);
    }, DEADLINE_MS).unref();
    let grid;
    try {
        grid = await KvGrid.connect(endpoint, process.env.KVGRID_PREFIX || 'kvgrid');
        const bytes = await grid.get(key);
        if (bytes === null) {
            console.error('NOT_FOUND: no block is stored under ' + JSON.stringify(key));
            return 3;
        }
        console.log('key=' + key + ' bytes=' + bytes.length + ' sha256='
            + crypto.createHash('sha256').update(bytes).digest('hex'));
        return 0;
    } catch (err) {
        console.error('FAILED: ' + ((err && err.message) || err));
        return 1;
    } finally {
        if (grid)
            grid.close();
    }
}

main(process.argv.slice(2)).then(code => { process.exitCode = code; });
