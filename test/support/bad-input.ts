// The bad-input corpus and its runner: every registered route (Foyer's routers and the
// provider's endpoints from its discovery document), every method, a bounded set of bad
// values, as several identities. A route added later is covered without editing the test.
import { gzipSync } from 'node:zlib';
import type Router from '@koa/router';

export interface RouteSpec {
  method: string;
  /** Route pattern as registered, with `:param` placeholders. */
  path: string;
  paramNames: string[];
}

/** Who sends a request: a cookie header, a CSRF token for it, and extra headers (a SCIM key). */
export interface Identity {
  name: string;
  cookie: string;
  csrf: string;
  headers?: (path: string) => Record<string, string>;
}

export interface Variant {
  route: RouteSpec;
  identity: string;
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

export interface Failure {
  method: string;
  url: string;
  route: string;
  identity: string;
  variant: string;
  status: number | string;
  detail?: string;
}

/** The routes of Foyer's routers (router.stack), without middleware-only layers and HEAD. */
export function routesOfRouters(routers: Router[]): RouteSpec[] {
  const out: RouteSpec[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      if (typeof layer.path !== 'string' || layer.methods.length === 0) continue;
      for (const method of layer.methods) {
        if (method === 'HEAD' || method === 'OPTIONS') continue;
        out.push({ method, path: layer.path, paramNames: layer.paramNames.map((k) => String(k.name)) });
      }
    }
  }
  return dedupe(out);
}

/** The provider's endpoints as its discovery document announces them (GET and POST each). */
export async function routesOfProvider(issuer: string): Promise<RouteSpec[]> {
  const discoveryPath = '/.well-known/openid-configuration';
  const discovery = await (await fetch(`${issuer}${discoveryPath}`)).json() as Record<string, unknown>;
  const paths = new Set<string>([discoveryPath]);
  for (const [key, value] of Object.entries(discovery)) {
    if ((key.endsWith('_endpoint') || key === 'jwks_uri') && typeof value === 'string' && value.startsWith(issuer)) {
      paths.add(new URL(value).pathname);
    }
  }
  // Steps of RP-initiated logout that discovery does not list.
  const endSession = discovery.end_session_endpoint;
  if (typeof endSession === 'string') {
    paths.add(`${new URL(endSession).pathname}/confirm`);
    paths.add(`${new URL(endSession).pathname}/success`);
  }
  return [...paths].flatMap((path) => ['GET', 'POST'].map((method) => ({ method, path, paramNames: [] })));
}

function dedupe(routes: RouteSpec[]): RouteSpec[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = `${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function fillPath(route: RouteSpec, value: (param: string) => string,
  override?: { param: string; raw: string }): string {
  let path = route.path;
  for (const name of route.paramNames) {
    const raw = override?.param === name ? override.raw : encodeURIComponent(value(name));
    path = path.replace(new RegExp(`:${name}(?![A-Za-z0-9_])`), raw);
  }
  return path;
}

/** Path pattern as a regular expression for a concrete path (form actions). */
export function routeRegExp(route: RouteSpec): RegExp {
  const source = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/?#]+');
  return new RegExp(`^${source}/?$`);
}

export interface PageForm {
  action: string;
  method: string;
  fields: string[];
  /** What the form would submit as rendered (prefilled values, selected options, checked boxes). */
  values: [string, string][];
  /** Fields whose input type asks for a date or a number. */
  dates: string[];
  numbers: string[];
}

const attr = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag)?.[1]?.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The forms of a page: action path, method, the names of its fields and their rendered values. */
export function formsIn(html: string, pagePath: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([^]*?)<\/form>/gi)) {
    const action = attr(match[1], 'action') || pagePath;
    const method = (attr(match[1], 'method') ?? 'get').toUpperCase();
    const form: PageForm = { action: new URL(action, 'http://x').pathname, method, fields: [], values: [], dates: [], numbers: [] };
    for (const field of match[2].matchAll(/<(input|select|textarea|button)\b([^>]*)>([^]*?(?=<\/select>|<\/textarea>))?/gi)) {
      const [, tag, attrs, inner = ''] = field;
      const name = attr(attrs, 'name');
      if (!name || name === '_csrf') continue;
      if (!form.fields.includes(name)) form.fields.push(name);
      const type = (attr(attrs, 'type') ?? '').toLowerCase();
      if (type === 'date') form.dates.push(name);
      if (type === 'number') form.numbers.push(name);
      if (tag.toLowerCase() === 'select') {
        const options = [...inner.matchAll(/<option\b([^>]*)>/gi)].map((o) => o[1]);
        const chosen = options.find((o) => /\bselected\b/i.test(o)) ?? options[0];
        if (chosen !== undefined) form.values.push([name, attr(chosen, 'value') ?? '']);
      } else if (tag.toLowerCase() === 'textarea') {
        form.values.push([name, inner]);
      } else if (tag.toLowerCase() === 'input' && ['checkbox', 'radio'].includes(type)) {
        if (/\bchecked\b/i.test(attrs)) form.values.push([name, attr(attrs, 'value') ?? 'on']);
      } else if (tag.toLowerCase() === 'input' && type !== 'file' && type !== 'submit') {
        form.values.push([name, attr(attrs, 'value') ?? '']);
      }
    }
    forms.push(form);
  }
  return forms;
}

/** Query and form field names tried on every route, besides the ones its forms name. */
export const GENERIC_FIELDS = ['q', 'login', 'email', 'name', 'identifier', 'password', 'login_hint', 'state', 'nonce',
  'ui_locales', 'client_id',
  'client_secret', 'token', 'birthdate', 'after', 'before', 'org', 'status', 'role', 'startIndex', 'count', 'filter',
  'sortBy', 'attributes',
  'displayName', 'userName', 'id', 'page', 'redirect_uri', 'scope', 'response_type', 'grant_type', 'code',
  'refresh_token', 'id_token_hint', 'post_logout_redirect_uri'];

/** Bad values, already percent-encoded for a query string or a form body. */
const VALUES: [string, (field: string) => string][] = [
  ['nul', (f) => `${enc(f)}=a%00b`],
  ['control-chars', (f) => `${enc(f)}=a%01%1Bb%7F`],
  ['invalid-utf8', (f) => `${enc(f)}=%C3%28`],
  ['invalid-utf8-ff', (f) => `${enc(f)}=%FF`],
  ['array', (f) => `${enc(f)}%5B%5D=1&${enc(f)}%5B%5D=2`],
  ['repeated', (f) => `${enc(f)}=1&${enc(f)}=2`],
  ['object', (f) => `${enc(f)}%5Bb%5D=1`],
  ['huge-number', (f) => `${enc(f)}=99999999999999999999999999`],
  ['int8-overflow', (f) => `${enc(f)}=9223372036854775808`],
  ['negative', (f) => `${enc(f)}=-1`],
  ['exponent', (f) => `${enc(f)}=1e3`],
  ['year-0000', (f) => `${enc(f)}=0000-01-01`],
];

const PATH_IDS = ['abc', '1e3', '%00', '9223372036854775808', '-1', '%C3%28'];

const enc = (s: string) => encodeURIComponent(s);
const HAS_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every variant of one route for one identity. `fields` are the names its forms use plus the generic ones. */
export function variantsOf(route: RouteSpec, identity: Identity, fields: string[], param: (name: string) => string,
  forms: PageForm[] = [], longQuery = 10_000): Variant[] {
  const out: Variant[] = [];
  const path = fillPath(route, param);
  const base: Record<string, string> = { cookie: identity.cookie, ...(identity.headers?.(route.path) ?? {}) };
  const csrfHeaders: Record<string, string> = HAS_BODY.has(route.method) ? { 'x-csrf-token': identity.csrf } : {};
  const form = { ...base, ...csrfHeaders, 'content-type': 'application/x-www-form-urlencoded' };
  const csrfField = `_csrf=${enc(identity.csrf)}`;
  const add = (name: string, url: string, headers: Record<string, string>, body?: string | Buffer) =>
    out.push({ route, identity: identity.name, name, method: route.method, url, headers, body });
  const all = (make: (f: string) => string) => fields.map(make).join('&');

  if (HAS_BODY.has(route.method)) {
    for (const [name, make] of VALUES) add(`form:${name}`, path, form, `${csrfField}&${all(make)}`);
    add('form:long', path, form,
      `${csrfField}&${fields.map((f) => `${enc(f)}=${'a'.repeat(100_000 / fields.length | 0)}`).join('&')}`);
    add('query:nul', `${path}?${all(VALUES[0][1])}`, form, csrfField);
    const json = { ...base, ...csrfHeaders,
      'content-type': route.path.startsWith('/scim/') ? 'application/scim+json' : 'application/json' };
    const withCsrf = (rest: string) => `{"_csrf":${JSON.stringify(identity.csrf)}${rest ? `,${rest}` : ''}}`;
    const jsonFields = (value: string) => withCsrf(fields.map((f) => `${JSON.stringify(f)}:${value}`).join(','));
    add('json:nul', path, json, jsonFields('"a\\u0000b"'));
    add('json:object', path, json, jsonFields('{"b":1}'));
    add('json:array', path, json, jsonFields('["1","2"]'));
    add('json:huge-number', path, json, jsonFields('99999999999999999999999999'));
    add('json:malformed', path, json, '{"a":');
    add('json:scim-user', path, json, JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group'],
      userName: 'a\u0000b', displayName: 'a\u0000b',
      name: { givenName: 'a\u0000b' }, emails: [{ value: 'a\u0000b@example.com' }], externalId: 'a\u0000b',
      members: [{ value: 'a\u0000b' }],
      Operations: [{ op: 'replace', path: 'displayName', value: 'a\u0000b' },
        { op: 'add', value: { displayName: 'a\u0000b' } }],
    }));
    add('gzip-lie', path, { ...form, 'content-encoding': 'gzip' }, `${csrfField}&${all(VALUES[0][1])}`);
    add('gzip-lie-json', path, { ...json, 'content-encoding': 'gzip' }, '{"a":1}');
    add('gzip-valid-nul', path, { ...form, 'content-encoding': 'gzip' }, gzipSync(`${csrfField}&${all(VALUES[0][1])}`));
    const boundary = 'xBadInputBoundary';
    add('multipart-truncated', `${path}?${csrfField}`,
      { ...base, ...csrfHeaders, 'content-type': `multipart/form-data; boundary=${boundary}` },
      `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\nContent-Type: `
        + `image/png\r\n\r\n\x89PNG\r\n\x1a\nabc`);
    add('multipart-garbage', `${path}?${csrfField}`, { ...base, ...csrfHeaders, 'content-type': 'multipart/form-data' },
      'garbage');
  } else {
    for (const [name, make] of VALUES) add(`query:${name}`, `${path}?${all(make)}`, base);
    add('query:long',
      `${path}?${fields.slice(0, 3).map((f) => `${enc(f)}=${'a'.repeat(longQuery / 3 | 0)}`).join('&')}`, base);
    add('query:malformed-percent', `${path}?${fields.slice(0, 5).map((f) => `${enc(f)}=%`).join('&')}`, base);
  }
  // One field at a time in a form as rendered, so a field the others' errors would mask is reached.
  for (const pageForm of forms) {
    const others = (name: string) => pageForm.values.filter(([n]) => n !== name).map(([n, v]) => `${enc(n)}=${enc(v)}`);
    const one = (name: string, raw: string) => {
      const fieldsHere = [...others(name), `${enc(name)}=${raw}`].join('&');
      return HAS_BODY.has(route.method) ? { url: path, body: `${csrfField}&${fieldsHere}` }
        : { url: `${path}?${fieldsHere}`, body: undefined };
    };
    for (const name of pageForm.fields) {
      const nul = one(name, 'a%00b');
      add(`field:${name}:nul`, nul.url, HAS_BODY.has(route.method) ? form : base, nul.body);
    }
    for (const name of pageForm.dates) {
      const year0 = one(name, '0000-01-01');
      add(`field:${name}:year-0000`, year0.url, HAS_BODY.has(route.method) ? form : base, year0.body);
    }
    for (const name of pageForm.numbers) {
      const huge = one(name, '99999999999999999999999999');
      add(`field:${name}:huge-number`, huge.url, HAS_BODY.has(route.method) ? form : base, huge.body);
    }
  }
  for (const name of route.paramNames) {
    for (const raw of PATH_IDS) {
      add(`path:${name}=${raw}`, fillPath(route, param, { param: name, raw }), HAS_BODY.has(route.method) ? form : base,
        HAS_BODY.has(route.method) ? csrfField : undefined);
    }
  }
  return out;
}

const STACK_TRACE = [/^\s*at .+[(:]\d+:\d+\)?$/m, /node_modules[\\/]/, /\bError: [^\n<]*\/(src|test|node_modules)\//, /\.ts:\d+:\d+/];

/** Statuses answered, by identity (for the report: a corpus answered all 302 or 429 tested little). */
export const answered = new Map<string, Map<number, number>>();

function count(identity: string, status: number) {
  const byStatus = answered.get(identity) ?? new Map<number, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  answered.set(identity, byStatus);
}

export function answeredSummary(): string {
  return [...answered].map(([who,
    byStatus]) => `${who}: `
      + `${[...byStatus].sort((a, b) => a[0] - b[0]).map(([st, n]) => `${st}×${n}`).join(' ')}`).join('\n# ');
}

/** Sends one variant; a 5xx, a stack trace in the body or a connection error is a failure. */
export async function send(issuer: string, v: Variant): Promise<Failure | undefined> {
  const failure = (status: number | string, detail?: string): Failure =>
    ({ method: v.method, url: v.url.length > 200 ? `${v.url.slice(0, 200)}…` : v.url, route: v.route.path,
      identity: v.identity, variant: v.name, status, detail });
  let res: Response;
  try {
    res = await fetch(`${issuer}${v.url}`,
      { method: v.method, headers: v.headers, body: v.body, redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    return failure('connection error', String((err as { cause?: unknown }).cause ?? err));
  }
  let body: string;
  try {
    body = await res.text();
  } catch (err) {
    return failure(`${res.status} body error`, String(err));
  }
  count(v.identity, res.status);
  // 501 is a designed answer (SCIM's /Me and /Bulk are not supported), not a server failing.
  if (res.status >= 500 && res.status !== 501) return failure(res.status, body.replace(/\s+/g, ' ').slice(0, 160));
  const trace = STACK_TRACE.find((re) => re.test(body));
  if (trace) return failure(`${res.status} stack trace`, trace.exec(body)![0].slice(0, 160));
  return undefined;
}

/** Runs `tasks` with at most `concurrency` at a time. */
export async function pool<T, R>(items: T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  }));
  return results;
}

export function formatFailures(failures: Failure[]): string {
  return failures
    .map((f) => `${f.status}\t${f.method} ${f.route}\t[${f.identity}] ${f.variant}\t${f.url}`
      + `${f.detail ? `\t${f.detail}` : ''}`)
    .sort()
    .join('\n');
}
