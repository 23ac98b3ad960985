// What the Jobs page shows of each job: which kind, what it does, who started it and when,
// how far it got and how it ended, and the link to its own page. Plain words, never rows.
import type { JobKind, JobListRow } from '../jobs/jobs.query.js';
import { isBulkAction } from '../mass-actions/bulk-actions.js';
import { formatCount, formatTime } from '../platform/format.js';
import { MASS_ACTION_WORDS } from './bulk.presenter.js';

export const JOB_KIND_LABELS: Record<JobKind, string> = { 'mass-action': 'Mass action', import: 'Import',
  export: 'Export' };

const IMPORT_STATUS: Record<string, string> = {
  uploading: 'Uploading', analyzing: 'Dry run running', ready: 'Waiting for confirmation', queued: 'Waiting to start',
  running: 'Importing', failed: 'Stopped by an error', cancelled: 'Cancelled',
};
const EXPORT_STATUS: Record<string, string> = { queued: 'Waiting to start', running: 'Writing the file',
  failed: 'Failed' };

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
const summaryCount = (summary: Record<string, unknown> | null, key: string) => Number(summary?.[key] ?? 0);

function urlOf(row: JobListRow): string {
  return row.kind === 'mass-action' ? `/admin/jobs/${row.id}`
    : row.kind === 'import' ? `/admin/imports/${row.id}` : `/admin/exports/${row.id}`;
}

function whatOf(row: JobListRow): string {
  if (row.kind === 'import') return `Import of ${row.fileName ?? 'a file'}: ${plural(row.total, 'row')}`;
  if (row.kind === 'export') return `Export of ${plural(row.total, 'user')}`;
  const verb = row.action && isBulkAction(row.action) ? MASS_ACTION_WORDS[row.action].verb : row.action ?? '';
  const group = row.groupName ? ` “${row.groupName}”` : '';
  return `${verb}${group}: ${plural(row.total, 'user')}`;
}

function resultOf(row: JobListRow): { text: string; tone: 'ok' | 'bad' | 'warn' | 'plain' } {
  if (row.kind === 'mass-action') {
    if (row.status !== 'finished') return { text: 'Running', tone: 'warn' };
    const failed = row.failed ?? 0;
    return { text: `Finished: ${formatCount(row.done ?? 0)} succeeded, ${formatCount(failed)} failed`,
      tone: failed ? 'bad' : 'ok' };
  }
  if (row.kind === 'import') {
    if (row.status === 'finished') {
      const failed = summaryCount(row.summary, 'failed');
      return { text: `Finished: ${formatCount(summaryCount(row.summary, 'created'))} created, `
        + `${formatCount(summaryCount(row.summary, 'updated'))} updated, ${formatCount(failed)} failed`,
      tone: failed ? 'bad' : 'ok' };
    }
    return { text: IMPORT_STATUS[row.status] ?? row.status,
      tone: row.status === 'failed' ? 'bad' : row.status === 'cancelled' ? 'plain' : 'warn' };
  }
  if (row.status === 'finished') {
    return row.removedAt ? { text: 'Finished; the file has been deleted', tone: 'plain' }
      : { text: 'Finished: the file is ready', tone: 'ok' };
  }
  return { text: EXPORT_STATUS[row.status] ?? row.status, tone: row.status === 'failed' ? 'bad' : 'warn' };
}

export function presentJob(row: JobListRow) {
  return {
    kind: row.kind, id: row.id, kindLabel: JOB_KIND_LABELS[row.kind], url: urlOf(row), what: whatOf(row),
    actorId: row.actorId, actorLabel: row.actorLabel ?? (row.actorId ? `#${row.actorId}` : '—'),
    started: formatTime(row.createdAt), finished: formatTime(row.finishedAt),
    total: row.total, progress: Math.min(row.progress, row.total),
    progressText: `${formatCount(Math.min(row.progress, row.total))} of ${formatCount(row.total)}`,
    percent: row.total ? Math.floor((Math.min(row.progress, row.total) * 100) / row.total) : 100,
    result: resultOf(row),
  };
}
