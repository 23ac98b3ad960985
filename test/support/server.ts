// The real Foyer app on a real port and a fresh database, as tests use it.
import http from 'node:http';
import type { DestinationStream } from 'pino';
import type { AddressInfo } from 'node:net';
import { createFoyer, type Foyer } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestServer {
  issuer: string;
  config: Config;
  foyer: Foyer;
  db: TestDatabase;
  /** Stops this Foyer and starts a new one on the same database and port, as a restart would. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Environment for tests: a low bcrypt cost through configuration, quiet logs. */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { BCRYPT_COST: '4', LOG_LEVEL: 'silent', ...extra };
}

/** `logTo` receives the server's log lines (at LOG_LEVEL, silent unless `env` says otherwise). */
export async function startTestServer(env: Record<string, string> = {},
  logTo?: DestinationStream): Promise<TestServer> {
  const db = await createTestDatabase();
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig(testEnv({ ISSUER: issuer, DATABASE_URL: db.url, ...env }));
  let foyer = await createFoyer({ config, database: db.database, logger: createLogger(config.logLevel, logTo) });
  let handler = foyer.app.callback();
  server.on('request', (req, res) => handler(req, res));
  return {
    issuer, config, db,
    get foyer() {
      return foyer;
    },
    async restart() {
      await foyer.stop();
      foyer = await createFoyer({ config, database: db.database, logger: createLogger(config.logLevel, logTo) });
      handler = foyer.app.callback();
    },
    async close() {
      await foyer.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.drop();
    },
  };
}
