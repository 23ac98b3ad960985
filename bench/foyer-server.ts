// Server process: the real Foyer app, wired as src/main.ts wires it, on 127.0.0.1 and a
// free port, with one user and two clients made through Foyer's own services (and, when
// asked, an Administrator for the console).
import { randomBytes } from 'node:crypto';
import { ALL_USERS } from '../src/platform/access.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { createFoyer } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { connectDatabase } from '../src/db/connect.js';
import { createLogger } from '../src/platform/logger.js';
import { cpuMicros, serveParent, type SignInRequest } from './protocol.js';
import { compareSignIn } from './sign-in.js';
import { mintUserAccessToken } from './tokens.js';

export interface FoyerServerOptions {
  databaseUrl: string;
  bcryptCost: number;
  /** An Administrator to make, for benchmarks that sign in to the console. */
  consoleAdmin?: { login: string; password: string };
}

const PASSWORD = 'bench-password-1234';
const ACTOR = { type: 'cli', label: 'benchmark' } as const;

/**
 * Counts every statement sent to PostgreSQL. pg's Pool and TypeORM both end in
 * Client.prototype.query, so this sees the raw SQL of the hot paths and the ORM alike.
 */
function countQueries(): () => number {
  let count = 0;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    count += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  return () => count;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startFoyer({ databaseUrl, bcryptCost, consoleAdmin }: FoyerServerOptions) {
  const queries = countQueries();
  // The issuer must name the real port, so listen first, then configure (as the tests do).
  const server = http.createServer();
  const issuer = await listen(server);
  const config = loadConfig({ ISSUER: issuer, DATABASE_URL: databaseUrl, BCRYPT_COST: String(bcryptCost),
    LOG_LEVEL: 'silent' });
  const db = await connectDatabase(config, () => undefined);
  const foyer = await createFoyer({ config, database: db.database, logger: createLogger(config.logLevel) });
  server.on('request', foyer.app.callback());

  const { users, applications } = foyer.services;
  const login = `bench-${randomBytes(4).toString('hex')}`;
  const user = await users.create({
    login, email: `${login}@example.test`, password: PASSWORD, nickname: 'Bench', givenName: 'Ada',
    familyName: 'Lovelace',
  }, ACTOR, ALL_USERS);
  const service = await applications.create({ name: 'Bench service', redirectUris: [], postLogoutRedirectUris: [],
    grantTypes: ['client_credentials'], isPublic: false }, ACTOR);
  const app = await applications.create({ name: 'Bench app', redirectUris: [`${issuer}/callback`],
    postLogoutRedirectUris: [], grantTypes: ['authorization_code'], isPublic: false }, ACTOR);
  const accessToken = await mintUserAccessToken(foyer.provider, user.id, app.client_id);
  if (consoleAdmin) {
    await users.create({ ...consoleAdmin, email: `${consoleAdmin.login}@example.test`, role: 'ADMIN' }, ACTOR,
      ALL_USERS);
  }

  return {
    info: { origin: issuer, clientId: service.client_id, clientSecret: service.client_secret!, accessToken },
    handlers: {
      stats: async () => ({ cpuMicros: cpuMicros(), queries: queries() }),
      signIn: async (request: SignInRequest) =>
        compareSignIn({ users, login, password: PASSWORD, passwordHash: user.passwordHash! }, request),
      stop: async () => {
        await foyer.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await db.close();
        return undefined;
      },
    },
  };
}

void serveParent(() => startFoyer(JSON.parse(process.argv[2]) as FoyerServerOptions));
