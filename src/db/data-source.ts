// TypeORM's part: the migration runner (and the entity classes that describe the rows).
// Queries never go through it: they run on the pool of ./database.ts.
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { entities } from './entities/index.js';
import { openPool, type Database, type PoolOptions } from './database.js';

/** Builds (not opens) the DataSource. The schema comes only from migrations/. */
export function createDataSource({ url, poolSize = 2 }: PoolOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 5000, options: '-c jit=off' },
  });
}

/** Applies pending migrations on `url` through a short-lived DataSource; returns the names applied. */
export async function migrate(url: string): Promise<string[]> {
  const dataSource = createDataSource({ url, poolSize: 1 });
  await dataSource.initialize();
  try {
    const done = await dataSource.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

/** Applies pending migrations, then opens the pool every query runs on. */
export async function openDatabase(options: PoolOptions): Promise<{ database: Database; applied: string[] }> {
  const applied = await migrate(options.url);
  return { database: openPool(options), applied };
}
