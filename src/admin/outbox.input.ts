// The outbox list's query: a status from the list and the page cursor (a message id, bigserial).
import { z } from 'zod';
import { bigserialId } from '../platform/http/input.js';

export const OUTBOX_STATUSES = ['queued', 'sending', 'sent', 'outbox', 'failed', 'dropped'] as const;
const first = (v: unknown) => (Array.isArray(v) ? v[0] : v) || undefined;

/** A status or cursor that cannot be one is dropped: the first page of every message. */
const outboxQuery = z.object({
  status: z.preprocess(first, z.enum(OUTBOX_STATUSES).optional().catch(undefined)),
  before: z.preprocess(first, bigserialId.optional().catch(undefined)),
});

export const parseOutboxQuery = (query: Record<string, unknown>): { status?: string;
  before?: string; } => outboxQuery.parse(query);
