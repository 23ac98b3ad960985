// /admin/outbox (Administrators only): every queued, sent and failed message with its error.
// Without SMTP this is the dev outbox: messages are delivered here, readable with their links;
// without an SMS gateway (SMS_WEBHOOK_URL) text messages are, with their codes.
import Router from '@koa/router';
import { NotFoundError } from '../platform/errors.js';
import type { OutboxRepository, OutboxRow } from '../mail/outbox.repository.js';
import { isTemplate, TEMPLATES, type TemplateSpec } from '../mail/templates.js';
import type { Views } from '../platform/views.js';
import { renderConsole, requireAdministrator } from './console-context.js';
import { formatTime } from '../platform/format.js';
import { bigserialId } from '../platform/http/input.js';
import { OUTBOX_STATUSES, parseOutboxQuery } from './outbox.input.js';
import { idParam } from './params.input.js';

const STATUSES = [...OUTBOX_STATUSES];
const PAGE = 50;

/** Email or text message, by the message's template. */
const channelOf = (row: OutboxRow): 'email' | 'sms' =>
  (isTemplate(row.template) && (TEMPLATES[row.template] as TemplateSpec).channel === 'sms' ? 'sms' : 'email');

export function outboxRoutes({ outbox, views, smtp, sms, wakeMail }: { outbox: OutboxRepository; views: Views;
  smtp: boolean; sms: boolean; wakeMail: () => void; }): Router {
  const router = new Router({ prefix: '/outbox' });
  router.use(requireAdministrator);
  router.param('id', idParam(bigserialId, 'Message'));

  router.get('/', async function listOutbox(ctx) {
    const { status, before } = parseOutboxQuery(ctx.query);
    const rows = await outbox.list({ status, before, limit: PAGE + 1 });
    const page = rows.slice(0, PAGE);
    renderConsole(ctx, views, 'admin/outbox/list.njk', 'outbox', {
      smtp, sms, status, statuses: STATUSES,
      rows: page.map((r) => ({ ...r, channel: channelOf(r), created: formatTime(r.createdAt),
        sent: formatTime(r.sentAt),
        next: formatTime(r.nextAttemptAt) })),
      next: rows.length > PAGE
        ? `/admin/outbox?${new URLSearchParams({ ...(status ? { status } : {}), before: page[page.length - 1].id })}`
        : undefined,
      notice: ctx.query.retried ? 'The message is queued again.' : undefined,
    });
  });

  router.get('/:id', async function showMessage(ctx) {
    const message = await outbox.find(ctx.params.id);
    if (!message) throw new NotFoundError('Message');
    ctx.set('Cache-Control', 'no-store');
    renderConsole(ctx, views, 'admin/outbox/show.njk', 'outbox', {
      message: { ...message, channel: channelOf(message), created: formatTime(message.createdAt),
        sent: formatTime(message.sentAt) }, smtp, sms,
    });
  });

  router.post('/:id/retry', async function retryMessage(ctx) {
    if (!(await outbox.retry(ctx.params.id))) throw new NotFoundError('Failed message');
    wakeMail();
    ctx.status = 303;
    ctx.redirect('/admin/outbox?retried=1');
  });

  return router;
}
