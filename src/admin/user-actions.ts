// The account actions an admin can take on a user, in the words the console shows.
export interface ActionText {
  title: string;
  button: string;
  /** What will happen, in a sentence or two. */
  explain: (name: string) => string;
  danger?: boolean;
  done: string;
  /** Introduces the applications that go with the user (delete only; shown when there are some). */
  applications?: (name: string) => string;
  /** Why a personal OAuth application is in that list. */
  personalNote?: (name: string) => string;
}

export const ACTIONS: Record<string, ActionText> = {
  'end-sessions': {
    title: 'End all sessions', button: 'End all sessions', done: 'sessions-ended',
    explain: (n) => `${n} is signed out everywhere: every session ends and every access token, refresh token and code `
      + `stops working in every app. ${n} is not blocked and can sign in again; the consents ${n} gave stay, so `
      + `apps do not ask again.`,
  },
  block: {
    title: 'Block', button: 'Block', danger: true, done: 'blocked',
    explain: (n) => `${n} can no longer sign in (the sign-in page shows that the account is blocked) and is signed `
      + `out everywhere: every session and token ends. You can unblock later.`,
  },
  unblock: {
    title: 'Unblock', button: 'Unblock', done: 'unblocked',
    explain: (n) => `${n} can sign in again.`,
  },
  lock: {
    title: 'Lock', button: 'Lock', danger: true, done: 'locked',
    explain: (n) => `${n} is stopped for now and signed out everywhere. The reason appears on the profile. Leave the `
      + `end empty to lock until someone unlocks.`,
  },
  unlock: {
    title: 'Unlock', button: 'Unlock', done: 'unlocked',
    explain: (n) => `${n} returns to Active and the count of failed sign-ins starts again from zero.`,
  },
  'cancel-deletion': {
    title: 'Cancel scheduled deletion', button: 'Keep the account', done: 'deletion-cancelled',
    explain: (n) => `${n} asked to delete their account. Cancelling keeps it; ${n} can then sign in again as before.`,
  },
  'resend-invitation': {
    title: 'Resend invitation', button: 'Resend invitation', done: 'invitation-resent',
    explain: (n) => `A new invitation email goes to ${n}. The link in the earlier one stops working.`,
  },
  'cancel-invitation': {
    title: 'Cancel invitation', button: 'Cancel invitation', danger: true, done: 'invitation-cancelled',
    explain: (n) => `The pending account of ${n} is removed and the invitation link stops working.`,
  },
  'force-reset': {
    title: 'Force password reset', button: 'Force password reset', danger: true, done: 'reset-forced',
    explain: (n) => `${n} is signed out everywhere at once: every session ends and every access token, refresh `
      + `token and code stops working in every app (apps are told). ${n} cannot sign in again until they `
      + `choose a new password with the link we email them.`,
  },
  'email-recovery': {
    title: 'Email recovery link', button: 'Email recovery link', done: 'recovery-sent',
    explain: (n) => `${n} gets an email with a one-time link to choose a new password. An earlier recovery link `
      + `stops working.`,
  },
  'resend-verification': {
    title: 'Resend verification email', button: 'Resend verification email', done: 'verification-sent',
    explain: (n) => `${n} gets a new email to confirm their address; earlier confirmation links stop working.`,
  },
  delete: {
    title: 'Delete', button: 'Delete for good', danger: true, done: 'deleted',
    explain: (n) => `${n} is deleted for good: the profile, identifiers, sessions, tokens and grants go. This cannot `
      + `be undone. The event log keeps only that ${n} (id and login) was deleted, by whom and when. If you may need `
      + `the account again, block it instead.`,
    applications: (n) => `These applications have no other owner and are deleted with ${n}, with every grant and `
      + `token issued for them:`,
    personalNote: (n) => `Personal OAuth applications of ${n} are among them: only ${n} owns them. Applications ${n} `
      + `co-owns or administers stay.`,
  },
};

/** Which actions make sense for this user now. */
interface ActionSubject { blocked: boolean; locked: boolean; invited: boolean; email: string | null;
  emailVerified: boolean; deletionScheduledAt?: Date | null; }

/** The actions never offered on the staff member's own account (the users policy refuses them). */
const NOT_ON_OWN_ACCOUNT = new Set(['block', 'lock', 'delete']);

/** Said where they are left out, so nobody looks for them in vain. */
export function ownAccountNote(isAdmin: boolean): string {
  return 'This is your own account: you cannot block, lock or delete it, nor change your own role. You would be '
    + `signed out, or lose the console, and could not get back in. Ask ${isAdmin ? 'another' : 'an'} Administrator.`;
}

/**
 * Which actions make sense for this user now, in menu order. Set password and the recovery link
 * have pages of their own. `own`: the staff member's own account, which they do not block, lock or delete.
 */
export function availableActions(user: ActionSubject,
  own = false): { action: string; label: string; href?: string }[] {
  const actions = user.invited ? ['resend-invitation', 'cancel-invitation'] : [];
  if (!user.invited && user.email) actions.push('force-reset', 'email-recovery');
  if (user.email && !user.emailVerified && !user.invited) actions.push('resend-verification');
  actions.push('end-sessions', user.blocked ? 'unblock' : 'block', user.locked ? 'unlock' : 'lock', 'delete');
  if (user.deletionScheduledAt) actions.unshift('cancel-deletion');
  return [
    { action: 'export', label: 'Download data', href: 'export' },
    { action: 'set-password', label: 'Set password', href: 'password' },
    { action: 'recovery-link', label: 'View recovery link', href: 'recovery-link' },
    ...actions.filter((action) => !own || !NOT_ON_OWN_ACCOUNT.has(action))
      .map((action) => ({ action, label: ACTIONS[action].title })),
  ];
}

/** The notice a profile shows after an action (`?done=`). */
export const ACTION_NOTICES: Record<string, string> = {
  'sessions-ended': 'All sessions ended; every token of the user stopped working.',
  blocked: 'The user is blocked and signed out everywhere.',
  unblocked: 'The user is unblocked and can sign in again.',
  locked: 'The user is locked and signed out everywhere.',
  unlocked: 'The user is unlocked.',
  'invitation-resent': 'A new invitation is on its way; the earlier link no longer works.',
  'reset-forced': 'A password reset is pending: the user is signed out everywhere and was emailed a link to choose a '
    + 'new password.',
  'recovery-sent': 'A recovery link is on its way.',
  'verification-sent': 'A verification email is on its way.',
  'phone-marked-verified': 'The phone number is marked verified; the event log records that you vouched for it.',
  'password-set': 'The password was set.',
  'deletion-cancelled': 'The scheduled deletion was cancelled.',
  'group-added': 'The user was added to the group.',
  'group-removed': 'The user was removed from the group.',
  'api-key-revoked': 'The API key was revoked; it no longer works.',
  'identifier-removed': 'The sign-in method was removed.',
  invited: 'The invitation is on its way.',
  'selected-sessions-ended': 'The selected sessions ended; the others keep working.',
  'consents-revoked': 'The selected consents were revoked with every token issued under them; those apps ask again '
    + 'at the next sign-in.',
  'refresh-tokens-revoked': 'The selected refresh tokens were revoked.',
};
