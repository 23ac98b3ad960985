// Client metadata is read on every token, userinfo and introspection request but changes
// rarely. Each server process keeps what it read; every change is announced with
// NOTIFY on CLIENT_CHANGED_CHANNEL, so every process drops its copy at once. While this
// process is not listening (not yet connected, or the connection broke) nothing is cached:
// a notice it could have missed can never leave it serving an old client.
import type pg from 'pg';
import { CLIENT_CHANGED_CHANNEL } from '../applications/application.repository.js';
import type { Logger } from '../platform/logger.js';
import { isDatabaseOutage } from '../db/database-outage.js';
import { safeError } from '../platform/logger.js';

type Metadata = Record<string, unknown>;

export interface ClientCache {
  get(clientId: string): Promise<Metadata | undefined>;
  invalidate(clientId: string): void;
  /** Caching is on only while change notices can reach this process. */
  setListening(listening: boolean): void;
}

export function createClientCache(load: (clientId: string) => Promise<Metadata | undefined>,
  ttlMs = 60_000): ClientCache {
  const entries = new Map<string, { value: Metadata; expires: number }>();
  let listening = false;
  // Bumped by every invalidation: a load that started before one must not store its result.
  let generation = 0;

  return {
    async get(clientId) {
      const hit = listening ? entries.get(clientId) : undefined;
      if (hit && hit.expires > Date.now()) return hit.value;
      const started = generation;
      const value = await load(clientId);
      if (listening && value && started === generation) entries.set(clientId, { value, expires: Date.now() + ttlMs });
      return value;
    },
    invalidate(clientId) {
      generation += 1;
      entries.delete(clientId);
    },
    setListening(value) {
      generation += 1;
      entries.clear();
      listening = value;
    },
  };
}

/** Holds one connection that LISTENs for client changes; reconnects after a failure. */
export function listenForClientChanges(pool: pg.Pool, cache: ClientCache,
  logger: Logger): { listening: Promise<void>; stop(): Promise<void> } {
  let stopped = false;
  let connection: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let markListening: () => void;
  const listening = new Promise<void>((resolve) => (markListening = resolve));

  const fail = (err: unknown) => {
    cache.setListening(false);
    const broken = connection;
    connection = undefined;
    broken?.release(err instanceof Error ? err : true);
    if (stopped) return;
    // During a database outage it retries every second: the outage monitor logs the outage once instead.
    if (isDatabaseOutage(err)) logger.debug('client change listener waiting for the database');
    else logger.warn({ err: safeError(err) },
      'client change listener lost its connection; caching clients off until it is back');
    retry = setTimeout(() => void connect(), 1000);
    retry.unref();
  };

  async function connect(): Promise<void> {
    try {
      const client = await pool.connect();
      if (stopped) return client.release();
      connection = client;
      client.on('notification', (msg) => {
        if (msg.channel === CLIENT_CHANGED_CHANNEL && msg.payload) cache.invalidate(msg.payload);
      });
      client.on('error', fail);
      await client.query(`LISTEN ${CLIENT_CHANGED_CHANNEL}`);
      cache.setListening(true);
      markListening();
    } catch (err) {
      fail(err);
    }
  }

  void connect();
  return {
    /** Resolves once caching is on (for tests and start-up checks). */
    listening,
    async stop() {
      stopped = true;
      clearTimeout(retry);
      cache.setListening(false);
      connection?.release();
      connection = undefined;
    },
  };
}
