// A fresh, migrated database per test file on the test PostgreSQL server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, openDatabase } from '../../src/db/data-source.js';
import type { Database } from '../../src/db/database.js';

export interface TestDatabase {
  url: string;
  /** What Foyer runs on: hand it to createServices / createFoyer. */
  database: Database;
  /** A separate TypeORM handle for the test's own look-ups (`query` answers the rows). */
  dataSource: DataSource;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.FOYER_TEST_DATABASE_URL;
  if (!url) throw new Error('FOYER_TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  return url;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database (no migrations run) and returns its URL. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `foyer_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  const { database } = await openDatabase({ url: empty.url, poolSize: 10 });
  const dataSource = createDataSource({ url: empty.url, poolSize: 4 });
  await dataSource.initialize();
  return {
    url: empty.url,
    database,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.close().catch(() => undefined);
      await empty.drop();
    },
  };
}
