// The console's pages, all behind requireStaff. Order: who is asking (staff, scope), then
// body parsing and CSRF, then the sections. Administrators-only sections guard themselves.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Views } from '../platform/views.js';
import type { AuditQuery } from '../audit/audit.query.js';
import type { Signal } from '../jobs/signal.js';
import type { OutboxRepository } from '../mail/outbox.repository.js';
import type { OrganizationService } from '../organizations/organization.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UserService } from '../users/user.service.js';
import type { ApplicationSectionServices } from './applications.routes.js';
import type { ApplicationPageServices } from './application-page.js';
import type { BulkSectionServices } from './bulk.routes.js';
import type { JobSectionServices } from './jobs.routes.js';
import type { ExportSectionServices } from './export.routes.js';
import type { GroupSectionServices } from './groups.routes.js';
import type { ImportSectionServices } from './import.routes.js';
import type { UserActionServices } from './user-actions.routes.js';
import type { UserApplicationServices } from './user-applications.routes.js';
import type { UserLinkServices } from './user-links.routes.js';
import type { UserSectionServices } from './users.routes.js';
import type { ServiceAccountSectionServices } from './service-accounts.routes.js';
import { applicationsOnlyGuard, renderConsole, staffContext } from './console-context.js';
import { applicationRoutes } from './applications.routes.js';
import { userApplicationRoutes } from './user-applications.routes.js';
import { bulkRoutes } from './bulk.routes.js';
import { jobRoutes } from './jobs.routes.js';
import { exportRoutes } from './export.routes.js';
import { importRoutes } from './import.routes.js';
import { groupRoutes } from './groups.routes.js';
import { userLinkRoutes } from './user-links.routes.js';
import { eventRoutes } from './events.routes.js';
import { organizationRoutes } from './organizations.routes.js';
import { outboxRoutes } from './outbox.routes.js';
import { serviceAccountRoutes } from './service-accounts.routes.js';
import { settingsRoutes } from './settings.routes.js';
import { userActionRoutes } from './user-actions.routes.js';
import { userRoutes } from './users.routes.js';

/** What the console's sections use together; each section is typed with its own part only. */
export type ConsoleServices = ApplicationSectionServices & ApplicationPageServices & BulkSectionServices
  & JobSectionServices
  & ExportSectionServices & GroupSectionServices & ImportSectionServices & UserActionServices
  & UserApplicationServices & UserLinkServices & UserSectionServices & ServiceAccountSectionServices
  & { events: AuditQuery; users: UserService; organizations: OrganizationService; settings: SettingsService;
    outbox: OutboxRepository; mailSignal: Signal; };

export interface AdminRouteDeps {
  services: ConsoleServices;
  views: Views;
  requireStaff: Middleware;
  /** Body parsing and CSRF checks. */
  forms: Middleware;
  issuer: string;
  /** Starts the mass-action worker at once rather than at its next tick. */
  wakeBulkWorker: () => void;
  /** Whether SMTP is configured (otherwise the outbox page is where mail goes). */
  smtp: boolean;
  /** Whether an SMS gateway is configured (otherwise text messages stay in the outbox too). */
  sms: boolean;
  wakeExportWorker: () => void;
  exportJobThreshold: number;
  wakeImportWorker: () => void;
  importMaxBytes: number;
  /** Cookies only over HTTPS (the issuer is https:). */
  secureCookies: boolean;
}

export function adminRoutes(deps: AdminRouteDeps): Router {
  const { services, views, requireStaff, forms, issuer, wakeBulkWorker, smtp, wakeExportWorker,
    exportJobThreshold } = deps;
  const router = new Router({ prefix: '/admin' });
  router.use(requireStaff);
  router.use(staffContext(issuer));
  router.use(applicationsOnlyGuard);
  router.use(forms);

  router.get('/', function adminHome(ctx) {
    renderConsole(ctx, views, 'admin/home.njk', 'home');
  });

  for (const section of [
    // Before userRoutes: /users/bulk must not be read as /users/:id.
    bulkRoutes({ services, views, wakeBulkWorker }),
    jobRoutes({ services, views }),
    userLinkRoutes({ services, views, secureCookies: deps.secureCookies }),
    exportRoutes({ services, views, wakeExportWorker, jobThreshold: exportJobThreshold }),
    importRoutes({ services, views, wakeImportWorker: deps.wakeImportWorker, maxBytes: deps.importMaxBytes }),
    userRoutes({ services, views, issuer }),
    groupRoutes({ services, views }),
    applicationRoutes({ services, views, secureCookies: deps.secureCookies }),
    userApplicationRoutes({ services, views, secureCookies: deps.secureCookies }),
    userActionRoutes({ services, views }),
    eventRoutes({ events: services.events, users: services.users, views }),
    organizationRoutes({ organizations: services.organizations, views }),
    serviceAccountRoutes({ services, views, secureCookies: deps.secureCookies }),
    settingsRoutes({ settings: services.settings, views }),
    outboxRoutes({ outbox: services.outbox, views, smtp, sms: deps.sms, wakeMail: services.mailSignal.ring }),
  ]) {
    router.use(section.routes(), section.allowedMethods());
  }
  return router;
}
