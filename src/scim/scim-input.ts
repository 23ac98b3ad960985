// What SCIM requests may carry, checked before any service runs: list parameters (RFC 7644
// §3.4.2) parsed with a schema, and every string of a JSON body free of control characters
// (PostgreSQL refuses NUL in text and jsonb). Failures are SCIM errors (400 invalidValue /
// invalidFilter), never database errors.
import { z } from 'zod';
import { hasControlCharacters, INT4_MAX } from '../platform/http/input.js';
import { invalidFilter, invalidValue } from '../provisioning/scim/scim-error.js';

const MAX_COUNT = 1000;
const DEFAULT_COUNT = 100;
/** Deeper JSON than any SCIM resource has is refused (and keeps the walk below bounded). */
const MAX_DEPTH = 16;

export interface ListQuery { filter?: string; startIndex: number; count: number; sortBy?: string; sortOrder?: string }

const single = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** An integer as SCIM clients send it; values past any column are clamped by the caller, not refused. */
const integer = (name: string) => z.preprocess(single, z.string({ error: `${name} must be an integer` })
  .regex(/^[+-]?\d{1,400}$/, `${name} must be an integer`).transform(Number).optional());

const optionalText = (name: string, max: number) => z.preprocess(single, z.string({ error: `${name} must be text` })
  .max(max, `${name} must have at most ${max} characters`)
  .refine((s) => !hasControlCharacters(s), `${name} must not contain control characters`).optional());

const LIST_QUERY = z.object({
  startIndex: integer('startIndex'), count: integer('count'),
  sortBy: optionalText('sortBy', 200), sortOrder: optionalText('sortOrder', 20),
  attributes: optionalText('attributes', 2000), excludedAttributes: optionalText('excludedAttributes', 2000),
});
const FILTER = optionalText('filter', 10_000);

/** startIndex below 1 is 1 and count below 0 is 0 (§3.4.2.4); past the largest page or row they are clamped. */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const parsed = LIST_QUERY.safeParse(query);
  if (!parsed.success) throw invalidValue(parsed.error.issues[0].message);
  const filter = FILTER.safeParse(query.filter);
  if (!filter.success) throw invalidFilter(filter.error.issues[0].message);
  const { startIndex = 1, count = DEFAULT_COUNT, sortBy, sortOrder } = parsed.data;
  return {
    filter: filter.data, sortBy, sortOrder,
    startIndex: Math.min(INT4_MAX, Math.max(1, startIndex)),
    count: Math.min(MAX_COUNT, Math.max(0, count)),
  };
}

/** `attributes` / `excludedAttributes` of any request, checked the same way. */
export function parseProjection(query: Record<string, unknown>): { attributes?: string; excludedAttributes?: string } {
  const parsed = LIST_QUERY.pick({ attributes: true, excludedAttributes: true }).safeParse(query);
  if (!parsed.success) throw invalidValue(parsed.error.issues[0].message);
  return parsed.data;
}

/** Refuses a body with a control character in any string (or attribute name), naming the attribute. */
export function checkBodyText(body: unknown): void {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (depth > MAX_DEPTH) throw invalidValue('The request body is nested too deeply');
    if (typeof value === 'string') {
      if (hasControlCharacters(value)) throw invalidValue(`${path || 'The value'} must not contain control characters`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: `${path}[${i}]`, depth: depth + 1 }));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (hasControlCharacters(k)) throw invalidValue('Attribute names must not contain control characters');
        stack.push({ value: v, path: path ? `${path}.${k}` : k, depth: depth + 1 });
      }
    }
  }
}
