import type { DataSource } from 'typeorm';

/** The minimal query surface hot paths use: pg's Pool, without ORM overhead. */
export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The pg Pool behind a TypeORM DataSource, for queries on the token and userinfo paths. */
export function sqlOf(dataSource: DataSource): Sql {
  const pool = (dataSource.driver as unknown as { master?: Sql }).master;
  if (!pool) throw new Error('DataSource is not initialised');
  return pool;
}
