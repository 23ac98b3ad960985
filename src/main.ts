// Entry point of `npm start`: read config, open (or start) the database, migrate, serve.
import type { Server } from 'node:http';
import { createFoyer } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { connectDatabase } from './db/connect.js';
import { createLogger } from './platform/logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const db = await connectDatabase(config, (msg) => logger.info(msg));
  if (db.applied.length) logger.info({ migrations: db.applied }, 'applied migrations');

  const foyer = await createFoyer({ config, database: db.database, logger });
  const outcome = await foyer.services.adminSetup.bootstrap(config.adminBootstrap);

  const server: Server = await new Promise((resolve) => {
    const s = foyer.app.listen(config.port, () => resolve(s));
  });
  logger.info({ issuer: config.issuer, database: db.embedded ? 'embedded' : 'DATABASE_URL' }, 'Foyer is serving');
  // One write, so whoever watches the output sees the whole banner at once.
  const banner = [`\nFoyer is serving as ${config.issuer}`,
    `  discovery: ${config.issuer}/.well-known/openid-configuration`];
  if (outcome.kind === 'admin_created') {
    banner.push(`  created Administrator "${outcome.user.login}" from FOYER_ADMIN_*`);
  }
  if (outcome.kind === 'setup_link') {
    banner.push('  No Administrator yet. Open this one-time link to create the first one:', `  ${outcome.url}`);
  }
  console.log(`${banner.join('\n')}\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await foyer.stop();
    // Stop accepting, let in-flight requests finish, drop idle keep-alive sockets.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    await closed;
    await db.close();
    logger.info('stopped cleanly');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error('Foyer could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
