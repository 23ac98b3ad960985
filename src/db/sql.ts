import DataLoader from 'dataloader';
import type pg from 'pg';
import type { DataSource } from 'typeorm';

/** A named statement: PostgreSQL parses and plans it once per connection. */
export interface PreparedQuery {
  name: string;
  text: string;
  values: unknown[];
}

/** The minimal query surface hot paths use: pg's Pool, without ORM overhead. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
  query<R = Record<string, unknown>>(query: PreparedQuery): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The pg Pool behind a TypeORM DataSource, for queries on the token and userinfo paths. */
export function sqlOf(dataSource: DataSource): Sql {
  const pool = (dataSource.driver as unknown as { master?: Sql }).master;
  if (!pool) throw new Error('DataSource is not initialised');
  return pool;
}

/** The pg Pool itself, for what needs a connection of its own (LISTEN). */
export function sqlPool(dataSource: DataSource): pg.Pool {
  return sqlOf(dataSource) as unknown as pg.Pool;
}

/**
 * Groups the calls made during one turn of the event loop into one statement (a
 * DataLoader without its cache). Under load, concurrent requests then share a round trip
 * to PostgreSQL instead of paying one each; alone, a call waits at most that one turn.
 * Nothing is remembered between batches, so every call sees the database as it is.
 */
export function batched<K, V>(load: (keys: readonly K[]) => Promise<(V | Error)[]>): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(load, { cache: false, batchScheduleFn: (run) => setImmediate(run), maxBatchSize: 500 });
  return (key) => loader.load(key);
}
