// The words of mass actions, and what the confirmation of a deletion shows of the users it
// reaches: plain words and objects, never the rows (bulk-selection.query.ts).
import type { BulkAction, SelectionPreview } from '../mass-actions/bulk-actions.js';
import { formatCount } from '../platform/format.js';
import { publicName } from '../users/public-name.js';
import { ROLE_LABELS } from './user.presenter.js';

/** How pages name each mass action, what it does, and whether it is one to think twice about. */
export const MASS_ACTION_WORDS: Record<BulkAction, { verb: string; explain: string; danger: boolean }> = {
  block: { verb: 'Block', explain: 'They can no longer sign in and are signed out everywhere.', danger: true },
  unblock: { verb: 'Unblock', explain: 'They can sign in again.', danger: false },
  'end-sessions': { verb: 'End all sessions of',
    explain: 'Every session and token of theirs ends in every app; they can sign in again.', danger: false },
  'add-to-group': { verb: 'Add to the group',
    explain: 'They become members of the group; apps asking for the groups scope see it.', danger: false },
  'remove-from-group': { verb: 'Remove from the group', explain: 'They stop being members of the group.',
    danger: false },
  'reset-password': { verb: 'Force a password reset for',
    explain: 'They are signed out everywhere at once: every session, grant and token of theirs ends in every app. '
      + 'They cannot sign in until they choose a new password with the link we email them.', danger: true },
  delete: { verb: 'Delete',
    explain: 'They are deleted for good with their sessions and tokens. This cannot be undone; consider blocking '
      + 'instead.', danger: true },
};

function administratorsSentence(total: number, administrators: number): string {
  if (administrators === 0) return '';
  if (total === 1) return 'This user is an Administrator.';
  return administrators === 1 ? '1 of them is an Administrator.'
    : `${formatCount(administrators)} of them are Administrators.`;
}

function listedSentence(total: number, shown: number): string {
  if (total > shown) return `The first ${formatCount(shown)} of ${formatCount(total)}:`;
  return total === 1 ? 'The user:' : `All ${formatCount(total)}:`;
}

export function presentDeletion(preview: SelectionPreview) {
  const { total, administrators, includesActor, first } = preview;
  return {
    /** More than one user: the number must be typed to confirm. */
    typed: total > 1,
    administrators,
    administratorsSentence: administratorsSentence(total, administrators),
    includesActor,
    listed: listedSentence(total, first.length),
    first: first.map((u) => ({
      id: u.id, name: publicName(u), login: u.login ?? '', email: u.email ?? '',
      role: ROLE_LABELS[u.role],
      isAdministrator: u.role === 'ADMIN',
    })),
  };
}
