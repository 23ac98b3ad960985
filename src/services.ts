// The directory services without HTTP or the provider: shared by the server and the CLI.
import { createAuditLog, type AuditLog } from './audit/audit.service.js';
import type { Config } from './config/config.js';
import type { Database } from './db/database.js';
import { createOneTimeTokens, type OneTimeTokens } from './users/one-time-token.repository.js';
import { createPasswordHasher } from './users/password.js';
import { createUserRepository } from './users/user.repository.js';
import { createUserService, type UserService } from './users/user.service.js';
import { createUserLifecycle, type UserLifecycle } from './users/user-lifecycle.service.js';
import { createOrganizationRepository } from './organizations/organization.repository.js';
import { createOrganizationService, type OrganizationService } from './organizations/organization.service.js';
import { createSettingsRepository } from './settings/settings.repository.js';
import { createSettingsService, type SettingsService } from './settings/settings.service.js';
import { createAuditQuery, type AuditQuery } from './audit/audit.query.js';
import { createUserDirectory, type UserDirectory } from './users/user-directory.query.js';
import { createApplicationRepository } from './applications/application.repository.js';
import { createApplicationService, type ApplicationService } from './applications/application.service.js';
import { createApplicationQuery } from './applications/application.query.js';
import { revokeAccountTokens } from './sessions/payload.repository.js';
import { deleteOwnedApplications } from './applications/application.repository.js';
import { createAccountRecords, type AccountRecords } from './sessions/account-records.repository.js';
import { createBulkActions, type BulkActions } from './mass-actions/bulk-actions.js';
import { createBulkJobRepository, type BulkJobRepository } from './mass-actions/bulk-job.repository.js';
import { createOutboxRepository, type OutboxRepository } from './mail/outbox.repository.js';
import { createJobsQuery, type JobsQuery } from './jobs/jobs.query.js';
import { createUserLinks, verificationMessage, type UserLinks } from './users/user-links.service.js';
import { createSignal, type Signal } from './jobs/signal.js';
import { createUserData, type UserData } from './users/user-data.service.js';
import { createProfilePhotos, type ProfilePhotos } from './users/profile-photo.service.js';
import { createGroupRepository } from './groups/group.repository.js';
import { createGroupService, type GroupService } from './groups/group.service.js';
import { createApiKeys, type ApiKeys } from './api-keys/api-key.service.js';
import { createServiceAccounts, type ServiceAccounts } from './api-keys/service-account.service.js';
import { createExportJobs, type ExportJobs } from './provisioning/export-jobs.js';
import { createImportJobs, type ImportJobs } from './provisioning/import-jobs.js';
import { createUserImporter } from './provisioning/user-import.service.js';
import { createUserImportRepository } from './provisioning/user-import.repository.js';
import { createRateLimits, type RateLimits } from './security/rate-limits.js';
import { createAdminSetup, type AdminSetup } from './setup/admin-setup.service.js';
import { createPhoneVerification, type PhoneVerification } from './users/phone-verification.service.js';

export interface Services {
  users: UserService;
  /** Block, lock, end sessions, delete. */
  lifecycle: UserLifecycle;
  /** One account's sessions, consents and refresh tokens. */
  accountRecords: AccountRecords;
  /** Invitations, passwords set, reset and recovered, email verification. */
  links: UserLinks;
  /** Phone numbers confirmed by a code sent by text message, or marked verified by an admin. */
  phoneVerification: PhoneVerification;
  outbox: OutboxRepository;
  tokens: OneTimeTokens;
  /** Brute-force counters in PostgreSQL, shared by every process. */
  rateLimits: RateLimits;
  /** The mail worker's doorbell: app.ts connects the worker it starts (the CLI runs none). */
  mailSignal: Signal;
  audit: AuditLog;
  groups: GroupService;
  apiKeys: ApiKeys;
  /** Non-human holders of provisioning API keys (Administrators and the CLI only). */
  serviceAccounts: ServiceAccounts;
  /** Large CSV exports (the worker is started by app.ts). */
  exports: ExportJobs;
  /** CSV imports: staged uploads, dry runs and their application (the worker is started by app.ts). */
  imports: ImportJobs;
  /** Uploaded profile photos. */
  photos: ProfilePhotos;
  /** Data export and the public profile. */
  userData: UserData;
  /** Mass actions as durable jobs (the worker is started by app.ts). */
  bulk: BulkActions;
  bulkJobs: BulkJobRepository;
  /** The Jobs page: mass actions, imports and exports in one list. */
  jobs: JobsQuery;
  /** The users list: search, filters, keyset pages. */
  directory: UserDirectory;
  organizations: OrganizationService;
  settings: SettingsService;
  events: AuditQuery;
  applications: ApplicationService;
  adminSetup: AdminSetup;
}

export function createServices(config: Config, db: Database): Services {
  const audit = createAuditLog(db);
  const organizationRepository = createOrganizationRepository(db);
  const settings = createSettingsService({ db, settings: createSettingsRepository(db), audit });
  const userRepository = createUserRepository(db);
  const accountRecords = createAccountRecords(db);
  const lease = { seconds: config.jobLeaseSeconds };
  const outbox = createOutboxRepository(db, lease);
  const tokens = createOneTimeTokens(db);
  const mailSignal = createSignal();
  const hasher = createPasswordHasher({ cost: config.bcryptCost });
  const bulkJobs = createBulkJobRepository(db, lease);
  const users = createUserService({
    db,
    users: userRepository,
    organizations: organizationRepository,
    settings,
    hasher,
    audit,
    onEmailUnverified: (tx, user) => outbox.enqueue(verificationMessage(user), tx).then(() => undefined),
    // The account-locked notice carries a reset link, made when the message goes out (as for a forgotten password).
    onLockedAutomatically: async (tx, user, until) => {
      if (user.email) {
        await outbox.enqueue({ template: 'account-locked', to: user.email, userId: user.id,
          params: { until: until ? `${until.toISOString().slice(0, 16).replace('T', ' ')} UTC` : null } }, tx);
      }
    },
    wakeMail: mailSignal.ring,
    privacyDefaults: config.privacyDefaults,
    defaultPhoneRegion: config.defaultPhoneRegion,
  });
  const lifecycle = createUserLifecycle({
    db, users, repository: userRepository, audit, revokeAccountTokens, records: accountRecords, deleteOwnedApplications,
  });
  const links: UserLinks = createUserLinks({
    db, users, repository: userRepository, lifecycle, tokens, hasher, settings, audit,
    enqueue: outbox.enqueue, wakeMail: mailSignal.ring, mail: config.mail, issuer: config.issuer,
  });
  const events = createAuditQuery(db);
  const rateLimits = createRateLimits(db.pool, config.rateLimits);
  const groups = createGroupService({ db, groups: createGroupRepository(db), users, audit });
  const organizations = createOrganizationService({ db, organizations: organizationRepository, audit });
  const importer = createUserImporter({
    db, repository: createUserImportRepository(db), users, lifecycle, groups, organizations, settings,
    defaultPhoneRegion: config.defaultPhoneRegion,
  });
  return {
    links,
    audit,
    groups,
    apiKeys: createApiKeys({ db, users, audit }),
    serviceAccounts: createServiceAccounts({ db, users: userRepository, lifecycle,
      organizations: organizationRepository, audit }),
    exports: createExportJobs({ db, settings, audit, enqueue: (m) => outbox.enqueue(m), wakeMail: mailSignal.ring,
      lease }),
    imports: createImportJobs({ db, importer, settings, hasher, audit, enqueue: (m) => outbox.enqueue(m),
      wakeMail: mailSignal.ring, lease }),
    photos: createProfilePhotos({ db, users, repository: userRepository, audit }),
    userData: createUserData({ users, records: accountRecords, events, issuer: config.issuer }),
    outbox,
    tokens,
    rateLimits,
    phoneVerification: createPhoneVerification({
      db, users, repository: userRepository, tokens, audit, enqueue: outbox.enqueue, wakeMail: mailSignal.ring,
      limits: { codesPerUser: rateLimits.phoneCodesPerUser, codesPerNumber: rateLimits.phoneCodesPerNumber,
        wrongCodesPerUser: rateLimits.phoneCodeFailuresPerUser },
      codeTtlMinutes: config.mail.phoneCodeTtlMinutes,
    }),
    mailSignal,
    users,
    lifecycle,
    accountRecords,
    bulk: createBulkActions({ db, jobs: bulkJobs, lifecycle, links, groups, audit }),
    bulkJobs,
    jobs: createJobsQuery(db),
    directory: createUserDirectory(db),
    organizations,
    settings,
    events,
    applications: createApplicationService({
      db, repository: createApplicationRepository(db, { secretKey: config.clientSecretKey }),
      query: createApplicationQuery(db),
      audit,
      enqueue: outbox.enqueue, wakeMail: mailSignal.ring,
      contactOf: async (userId) => {
        const user = await users.findById(userId);
        return user ? { email: user.email, label: user.login ?? user.email ?? `#${user.id}` } : undefined;
      },
    }),
    adminSetup: createAdminSetup({ users, tokens, issuer: config.issuer, settings }),
  };
}
