// The one way Foyer runs SQL. `Db` is what every repository and query takes: the pool
// itself, or a transaction opened by `db.transaction(async (tx) => …)`. Inside a
// transaction `tx.transaction(work)` joins it, so a service can be composed into a larger
// unit of work by passing its `tx` down, and nothing needs to know which one it got.
import pg from 'pg';

/** A named statement: PostgreSQL parses and plans it once per connection. */
export interface PreparedQuery {
  name: string;
  text: string;
  values: unknown[];
}

export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

export interface Db {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<QueryResult<R>>;
  query<R = Record<string, unknown>>(query: PreparedQuery): Promise<QueryResult<R>>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Runs `effect` once the change is committed (at once outside a transaction), never when it
   * rolls back: what others must only hear of a change that happened (back-channel logout,
   * waking a worker). The outermost `transaction()` awaits its effects before it returns.
   */
  afterCommit(effect: () => Promise<void> | void): Promise<void>;
}

/** The pool-level handle the composition root holds. */
export interface Database extends Db {
  /** The pg pool, for what needs a connection of its own (LISTEN, the rate limiter's store, health). */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export interface PoolOptions {
  url: string;
  poolSize?: number;
}

type Queryer = Pick<pg.Pool, 'query'>;

function queryVia(target: Queryer): Db['query'] {
  return ((textOrQuery: string | PreparedQuery, params?: unknown[]) =>
    typeof textOrQuery === 'string' ? target.query(textOrQuery, params) : target.query(textOrQuery)) as Db['query'];
}

type Effect = () => Promise<void> | void;

function joined(client: pg.PoolClient, effects: Effect[]): Db {
  const tx: Db = {
    query: queryVia(client),
    transaction: (work) => work(tx),
    afterCommit: async (effect) => void effects.push(effect),
  };
  return tx;
}

function createDatabase(pool: pg.Pool): Database {
  return {
    pool,
    query: queryVia(pool),
    async transaction(work) {
      const client = await pool.connect();
      const effects: Effect[] = [];
      let broken: unknown;
      let result;
      try {
        await client.query('BEGIN');
        result = await work(joined(client, effects));
        await client.query('COMMIT');
      } catch (err) {
        // A failed ROLLBACK means the connection is unusable: release it destroyed.
        await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        throw err;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
      // After the connection is back in the pool: an effect may run statements of its own.
      for (const effect of effects) await effect();
      return result;
    },
    async afterCommit(effect) {
      await effect();
    },
    close: () => pool.end(),
  };
}

/** A pool on `url`. JIT is off: Foyer's statements are short, and a planner misled by a
 * small unanalyzed table can spend 90 ms compiling a 2 ms query. */
export function openPool({ url, poolSize = 20 }: PoolOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000,
    options: '-c jit=off' });
  // An idle client's error (the server restarted) must not kill the process; the next
  // query gets a fresh connection, and the outage monitor reports the state.
  pool.on('error', () => undefined);
  return createDatabase(pool);
}
