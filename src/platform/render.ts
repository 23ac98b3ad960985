import type { Context } from 'koa';
import type { Views } from './views.js';

/** Renders a page with what every form needs (the CSRF token). */
export function renderPage(ctx: Context, views: Views, template: string, data: Record<string, unknown> = {},
  status = 200): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = views.render(template, { csrfToken: ctx.state.csrfToken, ...data });
}
