// One way into the database for the server, the CLI and the benchmarks: the configured
// DATABASE_URL, or the embedded PostgreSQL in the data folder. Pending migrations run.
import type { Config } from '../config/config.js';
import { openDatabase } from './data-source.js';
import type { Database } from './database.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

export interface Connection {
  database: Database;
  url: string;
  embedded: EmbeddedPostgres | undefined;
  applied: string[];
  close(): Promise<void>;
}

export async function connectDatabase(config: Config, log: (msg: string) => void,
  poolSize?: number): Promise<Connection> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, log);
  const url = config.databaseUrl ?? embedded!.url;
  try {
    const { database, applied } = await openDatabase({ url, poolSize });
    return {
      database, url, embedded, applied,
      async close() {
        await database.close().catch(() => undefined);
        await embedded?.stop();
      },
    };
  } catch (err) {
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}
