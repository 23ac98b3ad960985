// The export alone, in a process of its own so its peak RSS is the export's: streams every
// user as CSV (all built-in columns) to /dev/null and prints JSON with rows, bytes, seconds
// and the peak resident set size. Run by export.bench.ts.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openPool } from '../src/db/database.js';
import { BUILT_IN_COLUMNS, exportUsersCsv } from '../src/provisioning/user-csv-export.js';

const url = process.argv[2];
const db = openPool({ url, poolSize: 2 });
let rows = 0;
let bytes = 0;
const started = performance.now();
const csv = Readable.from((async function* counted() {
  for await (const chunk of exportUsersCsv(db, { scope: { kind: 'all' } }, BUILT_IN_COLUMNS, (n) => (rows = n))) {
    bytes += Buffer.byteLength(chunk);
    yield chunk;
  }
})());
await pipeline(csv, createWriteStream('/dev/null'));
const seconds = (performance.now() - started) / 1000;
await db.close();
process.stdout.write(`${JSON.stringify({ rows, bytes, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
