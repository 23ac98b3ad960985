// The database the benchmarked Foyer uses, migrated and ready:
//   DATABASE_URL              that database (it gets benchmark rows: use a throwaway one);
//   BENCH_ADMIN_DATABASE_URL  a fresh database on that server ("foyer_bench" for npm run
//                             bench, "foyer_bench_admin" for bench:admin), dropped after;
//   neither                   the embedded PostgreSQL in a temporary folder, removed after.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { connectDatabase, type Connection } from '../src/db/connect.js';
import type { BenchSettings } from './settings.js';

type DatabaseSettings = Pick<BenchSettings, 'databaseUrl' | 'adminDatabaseUrl'>;

export interface BenchDatabase {
  url: string;
  /** For the report: where PostgreSQL runs, and its version. */
  description: string;
  close(): Promise<void>;
}

async function asAdmin(adminUrl: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** host:port/database of a URL, without credentials, for printing. */
function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

async function serverVersion(db: Connection): Promise<string> {
  const { rows } = await db.database.query<{ server_version: string }>('SHOW server_version');
  return rows[0].server_version.split(' ')[0];
}

/** `name` is the database made on the BENCH_ADMIN_DATABASE_URL server. */
export async function prepareDatabase(settings: DatabaseSettings, log: (msg: string) => void,
  name = 'foyer_bench'): Promise<BenchDatabase> {
  let dataDir: string | undefined;
  let url = settings.databaseUrl;
  let dropAfter: (() => Promise<void>) | undefined;
  if (settings.adminDatabaseUrl) {
    const admin = settings.adminDatabaseUrl;
    await asAdmin(admin, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`]);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    url = u.toString();
    dropAfter = () => asAdmin(admin, [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  } else if (!url) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'foyer-bench-'));
  }

  // Opened here only to migrate (and to start the embedded server): the Foyer server
  // process connects on its own. Kept open so the embedded server lives until close().
  const config = loadConfig({ DATABASE_URL: url, FOYER_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  let db: Connection;
  try {
    db = await connectDatabase(config, log, 2);
  } catch (err) {
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const version = await serverVersion(db);
  return {
    url: db.url,
    description: db.embedded ? `embedded PostgreSQL ${version} (temporary folder)`
    : `PostgreSQL ${version} at ${where(db.url)}`,
    async close() {
      await db.close();
      await dropAfter?.();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
