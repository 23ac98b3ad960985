// The account actions an admin can take on a user, in the words the console shows.
export interface ActionText {
  title: string;
  button: string;
  /** What will happen, in a sentence or two. */
  explain: (name: string) => string;
  danger?: boolean;
  done: string;
}

export const ACTIONS: Record<string, ActionText> = {
  'end-sessions': {
    title: 'End all sessions', button: 'End all sessions', done: 'sessions-ended',
    explain: (n) => `${n} is signed out everywhere: every session ends and every access token, refresh token, code and grant stops working in every app. ${n} is not blocked and can sign in again.`,
  },
  block: {
    title: 'Block', button: 'Block', danger: true, done: 'blocked',
    explain: (n) => `${n} can no longer sign in (the sign-in page shows that the account is blocked) and is signed out everywhere: every session and token ends. You can unblock later.`,
  },
  unblock: {
    title: 'Unblock', button: 'Unblock', done: 'unblocked',
    explain: (n) => `${n} can sign in again.`,
  },
  lock: {
    title: 'Lock', button: 'Lock', danger: true, done: 'locked',
    explain: (n) => `${n} is stopped for now and signed out everywhere. The reason appears on the profile. Leave the end empty to lock until someone unlocks.`,
  },
  unlock: {
    title: 'Unlock', button: 'Unlock', done: 'unlocked',
    explain: (n) => `${n} returns to Active and the count of failed sign-ins starts again from zero.`,
  },
  delete: {
    title: 'Delete', button: 'Delete for good', danger: true, done: 'deleted',
    explain: (n) => `${n} is deleted for good: the profile, identifiers, sessions, tokens and grants go. This cannot be undone. The event log keeps only that ${n} (id and login) was deleted, by whom and when. If you may need the account again, block it instead.`,
  },
};

/** Which actions make sense for this user now. */
export function availableActions(user: { blocked: boolean; locked: boolean }): { action: string; label: string }[] {
  return ['end-sessions', user.blocked ? 'unblock' : 'block', user.locked ? 'unlock' : 'lock', 'delete']
    .map((action) => ({ action, label: ACTIONS[action].title }));
}

/** The notice a profile shows after an action (`?done=`). */
export const ACTION_NOTICES: Record<string, string> = {
  'sessions-ended': 'All sessions ended; every token of the user stopped working.',
  blocked: 'The user is blocked and signed out everywhere.',
  unblocked: 'The user is unblocked and can sign in again.',
  locked: 'The user is locked and signed out everywhere.',
  unlocked: 'The user is unlocked.',
  'selected-sessions-ended': 'The selected sessions ended; the others keep working.',
  'consents-revoked': 'The selected consents were revoked with every token issued under them; those apps ask again at the next sign-in.',
  'refresh-tokens-revoked': 'The selected refresh tokens were revoked.',
};

