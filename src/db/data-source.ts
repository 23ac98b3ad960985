import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { entities } from './entities/index.js';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
}

/** Builds (not opens) the DataSource. The schema comes only from migrations/. */
export function createDataSource({ url, poolSize = 20 }: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logging: false,
    // JIT compilation pays off for long analytic queries; Foyer's are short, and a planner
    // misled by a small unanalyzed table can spend 90 ms compiling a 2 ms query.
    extra: { max: poolSize, connectionTimeoutMillis: 5000, options: '-c jit=off' },
  });
}

/** Opens the DataSource and applies pending migrations; returns the names applied. */
export async function openDatabase(options: DatabaseOptions): Promise<{ dataSource: DataSource; applied: string[] }> {
  const dataSource = createDataSource(options);
  await dataSource.initialize();
  const done = await dataSource.runMigrations({ transaction: 'each' });
  return { dataSource, applied: done.map((m) => m.name) };
}
