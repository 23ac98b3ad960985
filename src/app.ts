// Composition root: builds every service from its parts and the Koa app around them.
// Nothing here reads process.env; main.ts and the tests hand in the Config.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { DataSource } from 'typeorm';
import { createAuditLog } from './audit/audit.service.js';
import type { Config } from './config/config.js';
import { sqlOf } from './db/sql.js';
import { createOneTimeTokens } from './directory/one-time-token.repository.js';
import { createPasswordHasher } from './directory/password.js';
import { createUserRepository } from './directory/user.repository.js';
import { createUserService, type UserService } from './directory/user.service.js';
import { csrfProtection } from './http/csrf.js';
import { errorHandler } from './http/error-handler.js';
import { healthRoutes } from './http/health.routes.js';
import type { Logger } from './http/logger.js';
import { renderPage } from './http/render.js';
import { requestContext } from './http/request-context.js';
import { createViews } from './http/views.js';
import { createConsentService } from './interactions/consent.service.js';
import { interactionRoutes } from './interactions/interactions.routes.js';
import { startPayloadSweeper } from './jobs/payload-sweeper.js';
import { createClientRepository, type ClientRepository } from './oidc/client.repository.js';
import { loadProviderSecrets } from './oidc/keys.js';
import { revokeAccountTokens } from './oidc/payload.repository.js';
import { createProvider } from './oidc/provider.js';
import { createAdminSetup, type AdminSetup } from './setup/admin-setup.service.js';
import { setupRoutes } from './setup/setup.routes.js';

export interface Services {
  users: UserService;
  clients: ClientRepository;
  adminSetup: AdminSetup;
}

/** The directory services alone, without HTTP: what the CLI needs. */
export function createServices(config: Config, dataSource: DataSource): Services {
  const sql = sqlOf(dataSource);
  const users = createUserService({
    dataSource,
    users: createUserRepository(dataSource),
    hasher: createPasswordHasher({ cost: config.bcryptCost }),
    audit: createAuditLog(dataSource),
    revokeAccountTokens,
    privacyDefaults: config.privacyDefaults,
    defaultPhoneRegion: config.defaultPhoneRegion,
  });
  return {
    users,
    clients: createClientRepository(sql),
    adminSetup: createAdminSetup({ users, tokens: createOneTimeTokens(dataSource), issuer: config.issuer }),
  };
}

export interface Foyer {
  app: Koa;
  provider: Provider;
  services: Services;
  /** Stops background work (the sweeper); the caller closes the database. */
  stop(): void;
}

function securityHeaders(): Middleware {
  return async function securityHeadersMiddleware(ctx, next) {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', ctx.get('Referrer-Policy') || 'same-origin');
    await next();
  };
}

export async function createFoyer({ config, dataSource, logger }: { config: Config; dataSource: DataSource; logger: Logger }): Promise<Foyer> {
  const sql = sqlOf(dataSource);
  const services = createServices(config, dataSource);
  const secrets = await loadProviderSecrets(sql);
  const views = createViews();
  const provider = createProvider({ issuer: config.issuer, trustProxy: config.trustProxy, sql, users: services.users, secrets, views });
  provider.on('server_error', (ctx, err) => (ctx.state?.log ?? logger).error({ err }, 'provider server_error'));

  const secureCookies = config.issuer.startsWith('https:');
  // Body parsing and CSRF checks only for Foyer's own forms: the provider parses its own bodies.
  const forms = compose([bodyParser({ enableTypes: ['form', 'json'], formLimit: '64kb', jsonLimit: '64kb' }),
    csrfProtection({ secret: secrets.csrfSecret, secure: secureCookies })]);

  const interactions = interactionRoutes({
    provider, users: services.users, views, supportContact: config.supportContact,
    consent: createConsentService({ provider, users: services.users }),
  });
  const setup = setupRoutes({ setup: services.adminSetup, views, issuer: config.issuer });
  for (const router of [interactions, setup]) router.use(forms);

  const home = new Router();
  home.get('/', function homePage(ctx) {
    renderPage(ctx, views, 'home.njk', { issuer: config.issuer });
  });

  const app = new Koa();
  app.proxy = config.trustProxy;
  app.use(requestContext(logger));
  app.use(securityHeaders());
  app.use(errorHandler(views));
  for (const router of [healthRoutes(sql), home, interactions, setup]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(mount(provider));

  const sweeper = startPayloadSweeper({ sql, intervalSeconds: config.sweepIntervalSeconds, logger });
  return { app, provider, services, stop: () => sweeper.stop() };
}
