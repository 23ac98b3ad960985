// Composition root: builds every service from its parts and the Koa app around them.
// Nothing here reads process.env; main.ts and the tests hand in the Config.
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { ACCOUNT_CLIENT_ID } from './oidc/account-client.js';
import { accountRoutes } from './account/account.routes.js';
import { linkRoutes } from './account/links.routes.js';
import { publicProfileRoutes } from './account/public-profile.routes.js';
import { photoRoutes } from './account/photo.routes.js';
import { phoneRoutes } from './account/phone.routes.js';
import { scimRoutes } from './scim/scim.routes.js';
import { createScimUsers } from './provisioning/scim/scim-users.service.js';
import { createScimGroups } from './provisioning/scim/scim-groups.service.js';
import { firstPartySignIn } from './oidc/first-party-sign-in.js';
import { createAdminAuth } from './admin/admin-auth.js';
import { adminRoutes } from './admin/admin.routes.js';
import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import { createDatabaseOutageMonitor } from './db/database-outage.js';

import { parseBodies } from './platform/http/body-parsing.js';
import { csrfProtection } from './platform/http/csrf.js';
import { providerOutageAnswers } from './platform/http/database-unavailable.js';
import { errorHandler, notFound } from './platform/http/error-handler.js';
import { healthRoutes } from './platform/http/health.routes.js';
import { securityHeaders } from './platform/http/security-headers.js';
import { staticFileRoutes } from './platform/http/static-files.routes.js';
import type { Logger } from './platform/logger.js';
import { renderPage } from './platform/render.js';
import { requestContext } from './platform/http/request-context.js';
import { createViews } from './platform/views.js';
import { createConsentService } from './interactions/consent.service.js';
import { interactionRoutes } from './interactions/interactions.routes.js';
import { startBulkWorker } from './mass-actions/bulk-actions.js';
import { startPayloadSweeper } from './sessions/payload-sweeper.js';
import { startDeletionPurge } from './users/deletion-purge.js';
import { startMailWorker } from './users/mail-worker.js';
import { startExportWorker } from './provisioning/export-jobs.js';
import { startImportWorker } from './provisioning/import-jobs.js';
import { jobDataSweeper } from './jobs/job-retention.js';
import { createMailTransport } from './mail/transport.js';
import { createClientCache, listenForClientChanges } from './oidc/client-cache.js';
import { backchannelLogoutNotifier } from './oidc/backchannel.js';
import { recordSessionActivity } from './oidc/session-activity.js';
import { loadProviderSecrets } from './oidc/keys.js';
import { createProvider, logProviderEvents } from './oidc/provider.js';
import { guardClientLookup, providerInputGuard } from './oidc/provider-input-guard.js';
import { setupRoutes } from './setup/setup.routes.js';
import { createServices, type Services } from './services.js';
import { clientAuthRateLimit } from './security/client-auth-limit.js';

export interface Foyer {
  app: Koa;
  provider: Provider;
  services: Services;
  /** Works through mass-action jobs; `wake()` after starting one. */
  bulkWorker: { wake(): Promise<void> };
  /** Writes large CSV exports; `wake()` starts at once. */
  exportWorker: { wake(): Promise<void> };
  /** Runs CSV imports' dry runs and confirmed imports; `wake()` starts at once. */
  importWorker: { wake(): Promise<void> };
  /** Deletes accounts whose deletion grace period is over; `run()` does it now. */
  deletionPurge: { run(): Promise<number> };
  /** Delivers the mail outbox; `wake()` sends what is due now. */
  mailWorker: { wake(): Promise<void> };
  /** Stops background work (sweeper, mass actions, client change listener); the caller closes the database. */
  stop(): Promise<void>;
  /** Foyer's own routers, in mount order (the bad-input test walks their routes). */
  routers: Router[];
}

export async function createFoyer({ config, database, logger }: { config: Config; database: Database;
  logger: Logger; }): Promise<Foyer> {
  const db = database;
  // Database outages: 503 everywhere, one log line when it starts and one when it ends.
  const outage = createDatabaseOutageMonitor({ pool: database.pool, logger });
  const services = createServices(config, database);
  const secrets = await loadProviderSecrets(db, { secretsKey: config.secretsKey });
  if (!config.secretsKey) {
    logger.warn('provider secrets (signing keys, cookie keys, CSRF secret) are stored unencrypted in the database: '
      + 'set FOYER_SECRETS_KEY, the production setting');
  }
  const views = createViews();
  const clientCache = createClientCache(services.applications.providerMetadata);
  const clientChanges = listenForClientChanges(database.pool, clientCache, logger);
  const provider = createProvider({
    issuer: config.issuer, trustProxy: config.trustProxy, db, users: services.users, secrets, views,
    findClient: guardClientLookup(clientCache.get),
    groupNames: async (userId) => (await services.groups.groupsOf(userId)).map((g) => g.name),
    consentOf: services.accountRecords.consentOf,
    deactivatedName: services.applications.deactivatedName,
  });
  logProviderEvents(provider, logger);
  services.lifecycle.onSessionsEnded(backchannelLogoutNotifier(provider, logger));
  recordSessionActivity(provider, services.accountRecords, logger);

  const secureCookies = config.issuer.startsWith('https:');
  // Body parsing and CSRF checks only for Foyer's own forms: the provider parses its own bodies.
  const forms: Middleware = compose([parseBodies({ types: ['form', 'json'], limit: '64kb' }),
    csrfProtection({ secret: secrets.csrfSecret, secure: secureCookies })]) as Middleware;

  const interactions = interactionRoutes({
    provider, users: services.users, views, supportContact: config.supportContact, forms,
    links: services.links, lifecycle: services.lifecycle, settings: services.settings, secureCookies,
    signInLimits: services.rateLimits.signIn,
    consent: createConsentService({
      provider, users: services.users, settings: services.settings,
      isFirstParty: async (id) => (await clientCache.get(id))?.foyer_first_party === true,
      rememberConsent: services.accountRecords.rememberConsent,
    }),
  });
  const accountSignIn = firstPartySignIn({
    provider, users: services.users, views, issuer: config.issuer, secureCookies, prefix: '/account',
    clientId: ACCOUNT_CLIENT_ID,
    signedOutTemplate: 'account/signed-out.njk',
    messages: { signedOut: 'You have signed out.', cancelled: 'Signing in was cancelled.' },
  });
  const account = accountRoutes({ services, provider, views, requireSignedIn: accountSignIn.requireSignedIn, forms,
    signOutUrl: accountSignIn.signOutUrl, issuer: config.issuer });
  const accountLinks = linkRoutes({ links: services.links, settings: services.settings, rateLimits: services.rateLimits,
    views, forms });
  const setup = setupRoutes({ setup: services.adminSetup, views, issuer: config.issuer, forms });
  const adminAuth = createAdminAuth({
    provider, users: services.users, views, issuer: config.issuer, secureCookies,
    looksAfterApplications: async (userId) => (await services.applications.membershipsOf(userId)).length > 0,
  });
  const admin = adminRoutes({ services, views, requireStaff: adminAuth.requireStaff, forms, issuer: config.issuer,
    wakeBulkWorker: () => void bulkWorker.wake(), smtp: Boolean(config.mail.smtpUrl),
    sms: Boolean(config.mail.sms.webhookUrl),
    wakeExportWorker: () => void exportWorker.wake(), exportJobThreshold: config.exportJobThreshold,
    wakeImportWorker: () => void importWorker.wake(), importMaxBytes: config.importMaxBytes, secureCookies });

  const home = new Router();
  home.get('/', function homePage(ctx) {
    renderPage(ctx, views, 'home.njk', { issuer: config.issuer });
  });

  const app = new Koa();
  app.proxy = config.trustProxy;
  // koa-mount runs the provider's middleware on this app's context, so the provider's
  // signed cookies are signed with this app's keys: they must be the provider's keys.
  app.keys = secrets.cookieKeys;
  app.context.databaseOutage = outage;
  app.use(requestContext(logger));
  app.use(securityHeaders({ https: secureCookies }));
  // The provider first: it answers its own routes and passes every other path on, so the
  // token and userinfo paths run through nothing of Foyer's but the lines above and the
  // client-authentication limit (at most one shared counter read, on /token and its siblings only).
  app.use(providerOutageAnswers(provider, views));
  app.use(clientAuthRateLimit(services.rateLimits.clientAuthPerIp, logger));
  // Control characters in provider parameters: a 400 before they reach storage (a scan of the parsed query).
  app.use(providerInputGuard({ provider, views }));
  app.use(mount(provider));
  app.use(errorHandler(views));
  const routers: Router[] = [healthRoutes(db), staticFileRoutes(), home, interactions, accountLinks, setup,
    accountSignIn.routes, account,
    publicProfileRoutes({ userData: services.userData, settings: services.settings, views,
      limit: services.rateLimits.publicProfilePerIp }),
    photoRoutes({ photos: services.photos, requireSignedIn: accountSignIn.requireSignedIn, csrf: forms }),
    phoneRoutes({ phoneVerification: services.phoneVerification, users: services.users, views,
      requireSignedIn: accountSignIn.requireSignedIn, forms }),
    scimRoutes({
      services, issuer: config.issuer,
      users: createScimUsers({ services, db, issuer: config.issuer }),
      groups: createScimGroups({ services, db, issuer: config.issuer }),
    }),
    adminAuth.routes, admin];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  app.use(notFound(views));

  const sweepJobData = jobDataSweeper(db, config.jobDataRetentionDays);
  const sweeper = startPayloadSweeper({
    db, intervalSeconds: config.sweepIntervalSeconds, logger, outage,
    also: async () => (await services.accountRecords.sweepActivity()) + (await sweepJobData()),
  });
  const deletionPurge = startDeletionPurge({ lifecycle: services.lifecycle,
    intervalSeconds: config.sweepIntervalSeconds, logger, outage });
  const bulkWorker = startBulkWorker({ jobs: services.bulkJobs, bulk: services.bulk, logger, outage });
  const mailWorker = startMailWorker({
    outbox: services.outbox, tokens: services.tokens, users: services.users,
    transport: createMailTransport(config.mail),
    views, config: config.mail, issuer: config.issuer, logger,
  });
  services.mailSignal.connect(() => void mailWorker.wake());
  const exportWorker = startExportWorker({ jobs: services.exports, logger, outage });
  const importWorker = startImportWorker({ jobs: services.imports, logger, outage });
  return {
    app, provider, services, bulkWorker, mailWorker, deletionPurge, exportWorker, importWorker, routers,
    async stop() {
      await sweeper.stop();
      outage.stop();
      await exportWorker.stop();
      await importWorker.stop();
      await deletionPurge.stop();
      await bulkWorker.stop();
      await mailWorker.stop();
      await clientChanges.stop();
    },
  };
}
