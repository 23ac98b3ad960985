// SQL for the durable mail outbox. A row says what to send (template, recipient, params);
// the worker claims due rows with SKIP LOCKED and a lease, and records each attempt.
import { type Db } from '../db/database.js';
import { DEFAULT_LEASE, type Lease } from '../jobs/lease.js';
import { createJobQueue, type JobQueue } from '../jobs/job-queue.query.js';

export interface QueuedMessage {
  template: string;
  to?: string | null;
  userId?: string | null;
  params?: Record<string, unknown>;
}

export interface OutboxRow {
  id: string;
  template: string;
  to: string | null;
  userId: string | null;
  params: Record<string, unknown>;
  status: 'queued' | 'sending' | 'sent' | 'outbox' | 'failed' | 'dropped';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  subject: string | null;
  textBody: string | null;
  htmlBody: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

const COLUMNS = `id::text AS id, template, to_address AS "to", user_id::text AS "userId", params, status, attempts,
  next_attempt_at AS "nextAttemptAt", last_error AS "lastError", subject, text_body AS "textBody",
  html_body AS "htmlBody",
  created_at AS "createdAt", sent_at AS "sentAt"`;
/** `lease`: a worker that claimed a message and has not renewed its claim within it is presumed dead. */
export function createOutboxRepository(db: Db, lease: Lease = DEFAULT_LEASE) {
  const queue: JobQueue<OutboxRow> = createJobQueue(db, {
    table: 'mail_outbox', key: [{ column: 'id', field: 'id' }],
    waiting: "status = 'queued' AND next_attempt_at <= now()", held: "status = 'sending'",
    onClaim: "status = 'sending', attempts = attempts + 1", order: 'next_attempt_at, id', returning: COLUMNS,
  }, lease);
  return {
    /** Queues a message; inside `tx` it lands (or not) with the caller's change. */
    async enqueue(message: QueuedMessage, tx?: Db): Promise<string> {
      const { rows } = await (tx ?? db).query<{ id: string }>(
        `INSERT INTO mail_outbox (template, to_address, user_id, params) VALUES ($1, $2, $3, $4) RETURNING id::text AS `
          + `id`,
        [message.template, message.to ?? null, message.userId ?? null, JSON.stringify(message.params ?? {})]);
      return rows[0].id;
    },

    /** Due messages (and those of a sender that went quiet), claimed for delivery; each claim counts an attempt. */
    queue,

    async markSent(id: string, status: 'sent' | 'outbox' | 'dropped',
      rendered?: { to?: string; subject?: string; text?: string; html?: string }): Promise<void> {
      await db.query(
        `UPDATE mail_outbox SET status = $2, sent_at = now(), last_error = NULL, to_address = coalesce($3, to_address),
           subject = coalesce($4, subject), text_body = $5, html_body = $6 WHERE id = $1`,
        [id, status, rendered?.to ?? null, rendered?.subject ?? null, rendered?.text ?? null, rendered?.html ?? null]);
    },

    async markRetry(id: string, error: string, delaySeconds: number): Promise<void> {
      await db.query(
        `UPDATE mail_outbox SET status = 'queued', last_error = $2, next_attempt_at = now() + make_interval(secs => `
          + `$3) WHERE id = $1`,
        [id, error.slice(0, 1000), delaySeconds]);
    },

    async markFailed(id: string, error: string): Promise<void> {
      await db.query(`UPDATE mail_outbox SET status = 'failed', last_error = $2 WHERE id = $1`,
        [id, error.slice(0, 1000)]);
    },

    /**
     * Newest first, keyset by id, optionally one status. Ordered and compared by the column
     * (mail_outbox.id, a number), never by the select list's text id: as text 9 sorts before 12.
     */
    async list(opts: { status?: string; before?: string; limit: number }): Promise<OutboxRow[]> {
      const conditions: string[] = [];
      const values: unknown[] = [];
      if (opts.status) conditions.push(`status = $${values.push(opts.status)}`);
      if (opts.before && /^[0-9]{1,18}$/.test(opts.before)) {
        conditions.push(`mail_outbox.id < $${values.push(opts.before)}::bigint`);
      }
      const { rows } = await db.query<OutboxRow>(
        `SELECT ${COLUMNS} FROM mail_outbox ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY `
          + `mail_outbox.id DESC LIMIT ${opts.limit}`, values);
      return rows;
    },

    async find(id: string): Promise<OutboxRow | undefined> {
      if (!/^[0-9]{1,18}$/.test(id)) return undefined;
      return (await db.query<OutboxRow>(`SELECT ${COLUMNS} FROM mail_outbox WHERE id = $1`, [id])).rows[0];
    },

    /** Puts a failed message back in the queue (an admin's Retry). */
    async retry(id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE mail_outbox SET status = 'queued', attempts = 0, next_attempt_at = now() WHERE id = $1 AND status = `
          + `'failed'`, [id]);
      return (rowCount ?? 0) > 0;
    },
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
