// Reading Foyer's own submitted forms (after the body parser).
import type { Context } from 'koa';

/**
 * The submitted form as strings (and string lists for repeated fields). The body parser
 * reads `custom.team` as `{ custom: { team } }`; such nesting is flattened back to the
 * dotted name the form used.
 */
export function formOf(ctx: Context): Record<string, string | string[] | undefined> {
  const body = (ctx.request as { body?: unknown }).body;
  const out: Record<string, string | string[] | undefined> = {};
  const add = (prefix: string, value: unknown, depth: number) => {
    if (typeof value === 'string') out[prefix] = value;
    else if (Array.isArray(value)) out[prefix] = value.filter((x): x is string => typeof x === 'string');
    else if (value && typeof value === 'object' && depth < 2) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        add(prefix ? `${prefix}.${k}` : k, v, depth + 1);
      }
    }
  };
  if (body && typeof body === 'object') add('', body, 0);
  return out;
}

export const firstOf = (v: string | string[] | undefined): string => (Array.isArray(v) ? v[0] ?? '' : v ?? '');
