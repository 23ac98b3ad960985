// Every migration, in order. Listed explicitly (no glob) so the same list loads under
// tsx, jest and a compiled build alike.
import { InitialSchema1732250000000 } from './1732250000000-initial-schema.js';
import { UserDirectoryIndexes1732260000000 } from './1732260000000-user-directory-indexes.js';
import { ConsoleSettings1732270000000 } from './1732270000000-console-settings.js';
import { SignInFailures1732280000000 } from './1732280000000-sign-in-failures.js';
import { SessionActivity1732290000000 } from './1732290000000-session-activity.js';
import { BulkJobs1732300000000 } from './1732300000000-bulk-jobs.js';
import { MailAndLinks1732310000000 } from './1732310000000-mail-and-links.js';
import { ProfilePhotos1732320000000 } from './1732320000000-profile-photos.js';
import { GroupsAndApiKeys1732330000000 } from './1732330000000-groups-and-api-keys.js';
import { ExportJobs1732340000000 } from './1732340000000-export-jobs.js';
import { ImportJobs1732350000000 } from './1732350000000-import-jobs.js';
import { ApplicationMembers1732360000000 } from './1732360000000-application-members.js';
import { ApplicationGrantsIndex1732370000000 } from './1732370000000-application-grants-index.js';
import { HashedPayloadIds1732395000000 } from './1732395000000-hashed-payload-ids.js';
import { RateLimiterPoints1732397000000 } from './1732397000000-rate-limiter-points.js';
import { DropUsersDeletedAt1732399000000 } from './1732399000000-drop-users-deleted-at.js';
import { ApplicationAuditActions1732400000000 } from './1732400000000-application-audit-actions.js';
import { LoginAsRealIdpsSendIt1732410000000 } from './1732410000000-login-as-real-idps-send-it.js';
import { ServiceAccounts1732420000000 } from './1732420000000-service-accounts.js';
import { ExportByteOrderMark1732450000000 } from './1732450000000-export-byte-order-mark.js';
import { PublicNameSort1732480000000 } from './1732480000000-public-name-sort.js';
import { ScimFilterIndexes1732500000000 } from './1732500000000-scim-filter-indexes.js';
import { PhoneVerificationCodes1732490000000 } from './1732490000000-phone-verification-codes.js';
import { ConsentsAndLinkEndings1732460000000 } from './1732460000000-consents-and-link-endings.js';
import { JobListIndexes1732440000000 } from './1732440000000-job-list-indexes.js';

export const migrations = [
  InitialSchema1732250000000, UserDirectoryIndexes1732260000000, ConsoleSettings1732270000000,
  SignInFailures1732280000000, SessionActivity1732290000000, BulkJobs1732300000000, MailAndLinks1732310000000,
  ProfilePhotos1732320000000, GroupsAndApiKeys1732330000000, ExportJobs1732340000000, ImportJobs1732350000000,
  ApplicationMembers1732360000000, ApplicationGrantsIndex1732370000000, HashedPayloadIds1732395000000,
  RateLimiterPoints1732397000000, DropUsersDeletedAt1732399000000, ApplicationAuditActions1732400000000,
  LoginAsRealIdpsSendIt1732410000000, ServiceAccounts1732420000000, JobListIndexes1732440000000,
  ExportByteOrderMark1732450000000, ConsentsAndLinkEndings1732460000000, PublicNameSort1732480000000,
  PhoneVerificationCodes1732490000000, ScimFilterIndexes1732500000000];
