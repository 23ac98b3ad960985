// The requests `npm run bench:scim` times. Each scenario makes its i-th request afresh (another
// startIndex, another login, another member), so no single cached page or plan flatters it, and
// checks every answer: a list must hold the page it asked for, a PATCH must have changed the group.
// Sequential scenarios run one request at a time, after a warm-up: the wait of one provisioning
// client. The concurrent one runs a few loops for a fixed time. See bench/README.md.
import { performance } from 'node:perf_hooks';
import type { HttpResponse } from './http-client.js';
import { percentile } from './measure.js';
import { expectJson, pollHealth, type HealthResult, type ScimClient, type ScimRequest } from './scim-client.js';
import type { DirectorySample } from './scim-setup.js';
import type { ServerProcess } from './server-process.js';

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface ScimScenario {
  name: string;
  /** What the requests are and what varies between them, for the details. */
  description: string;
  targetP95Ms: number;
  /** Measured requests, and unmeasured ones before them (at least one, which must succeed). */
  requests: number;
  warmupRequests: number;
  /** Poll GET /healthz every 100 ms throughout (warm-up included). */
  pollHealth: boolean;
  /** The i-th request, counting from the first warm-up request. */
  request(i: number): ScimRequest;
  /** Throws unless the answer is right for the i-th request; returns the resources (users, members) it holds. */
  check(i: number, request: ScimRequest, response: HttpResponse): number;
}

export interface ConcurrentScenario extends Omit<ScimScenario, 'requests' | 'warmupRequests' | 'pollHealth'> {
  loops: number;
  seconds: number;
}

export interface ScimResult {
  name: string;
  description: string;
  targetP95Ms: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Measured requests that answered as they should. */
  requests: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Of the measured window (the concurrent scenario). */
  perSecond?: number;
  resourcesPerResponse: number;
  kbPerResponse: number;
  sqlPerRequest: number;
  serverCpuMsPerRequest: number;
  health?: HealthResult;
}

const randomIn = (from: number, to: number) => from + Math.floor(Math.random() * (to - from + 1));
const q = (text: string) => encodeURIComponent(text);

function resources(request: ScimRequest, response: HttpResponse): Record<string, unknown>[] {
  const body = expectJson(request, response);
  if (!Array.isArray(body.schemas) || !body.schemas.includes(LIST_SCHEMA) || !Array.isArray(body.Resources)) {
    throw new Error(`${request.path}: not a ListResponse`);
  }
  return body.Resources as Record<string, unknown>[];
}

function expectCount(request: ScimRequest, found: unknown[], expected: number): number {
  if (found.length !== expected) throw new Error(`${request.path}: ${found.length} resources, expected ${expected}`);
  return found.length;
}

const userName = (r: Record<string, unknown>) => String(r.userName ?? '').toLowerCase();
const familyName = (r: Record<string, unknown>) => String((r.name as { familyName?: unknown } | undefined)
  ?.familyName ?? '').toLowerCase();

export interface ListSettings {
  /** Users in the directory (the unfiltered lists page within them). */
  users: number;
  requests: { fast: number; slow: number };
  warmup: { fast: number; slow: number };
}

/** startIndex for an unfiltered page: random within the first 100,000 users (or the whole table, if smaller). */
export const MAX_START_INDEX = 100_000;

/** The Users list scenarios: count=100 without and with filters, then count=1000 without and with one. */
export function userListScenarios(sample: DirectorySample, settings: ListSettings): ScimScenario[] {
  const { users } = settings;
  const fast = { requests: settings.requests.fast, warmupRequests: settings.warmup.fast, pollHealth: false,
    targetP95Ms: 150 };
  const slow = { requests: settings.requests.slow, warmupRequests: settings.warmup.slow, pollHealth: true,
    targetP95Ms: 1000 };
  const unfiltered = (count: number): Pick<ScimScenario, 'request' | 'check'> => {
    const last = Math.max(1, Math.min(MAX_START_INDEX, users - count + 1));
    return {
      request: () => ({ method: 'GET', path: `/scim/v2/Users?startIndex=${randomIn(1, last)}&count=${count}` }),
      check: (_i, request, response) => expectCount(request, resources(request, response), count),
    };
  };
  const { logins, familyNames } = sample;
  const prefixes = [...new Set(logins.map((l) => l.replace(/[0-9]+$/, '')).filter((p) => p.length >= 3))];
  const family = familyNames.filter((f) => f.users >= 1000);
  const families = family.length ? family : familyNames.slice(0, 1);
  return [
    { name: 'Users, count=100', ...fast, ...unfiltered(100),
      description: `no filter, startIndex random from 1 to ${Math.min(MAX_START_INDEX, users - 99).toLocaleString(
        'en-US')}` },
    { name: 'userName eq, count=100', ...fast,
      description: `filter=userName eq "<login>", a different seeded login each time (${logins.length} picked `
        + 'at random over the table)',
      request: (i) => ({ method: 'GET', path: `/scim/v2/Users?count=100&filter=${q(`userName eq "${
        logins[i % logins.length]}"`)}` }),
      check: (i, request, response) => {
        const found = resources(request, response);
        expectCount(request, found, 1);
        if (userName(found[0]) !== logins[i % logins.length].toLowerCase()) throw new Error(`${request.path}: `
          + `found ${userName(found[0])}`);
        return 1;
      } },
    { name: 'userName sw, count=100', ...fast,
      description: `filter=userName sw "<given.family>" (seeded logins without their number, e.g. "${
        prefixes[0]}"; ${prefixes.length} prefixes in turn)`,
      request: (i) => ({ method: 'GET', path: `/scim/v2/Users?count=100&filter=${q(`userName sw "${
        prefixes[i % prefixes.length]}"`)}` }),
      check: (i, request, response) => {
        const found = resources(request, response);
        const prefix = prefixes[i % prefixes.length].toLowerCase();
        if (found.length === 0 || found.length > 100) throw new Error(`${request.path}: ${found.length} resources`);
        if (!found.every((r) => userName(r).startsWith(prefix))) throw new Error(`${request.path}: a user without `
          + 'the prefix');
        return found.length;
      } },
    { name: 'Users, count=1000', ...slow, ...unfiltered(1000),
      description: `no filter, startIndex random from 1 to ${Math.min(MAX_START_INDEX, users - 999).toLocaleString(
        'en-US')}` },
    { name: 'familyName eq, count=1000', ...slow,
      description: `filter=name.familyName eq "<name>", ${families.length === 1 ? 'the most common seeded family '
        + 'name' : `the ${families.length} most common seeded family names in turn`} (${families.map((f) => `${f.name} `
        + `${f.users.toLocaleString('en-US')}`).join(', ')} users), startIndex random within the matches`,
      ...familyNameRequests(families) },
  ];
}

/** `name.familyName eq`, count=1000 at a random startIndex within the matches; the names in turn. */
function familyNameRequests(families: { name: string; users: number }[]): Pick<ScimScenario, 'request' | 'check'> {
  const starts = new Map<number, number>();
  const pick = (i: number) => families[i % families.length];
  return {
    request: (i) => {
      const { name, users } = pick(i);
      const start = randomIn(1, Math.max(1, users - 999));
      starts.set(i, start);
      return { method: 'GET', path: `/scim/v2/Users?startIndex=${start}&count=1000&filter=${q(
        `name.familyName eq "${name}"`)}` };
    },
    check: (i, request, response) => {
      const { name, users } = pick(i);
      const found = resources(request, response);
      expectCount(request, found, Math.min(1000, users - (starts.get(i) ?? 1) + 1));
      starts.delete(i);
      if (!found.every((r) => familyName(r) === name.toLowerCase())) throw new Error(`${request.path}: a user of `
        + 'another family name');
      return found.length;
    },
  };
}

/** 4 loops of count=1000 requests for 10 s, the unfiltered and the filtered ones of `scenarios` in turn. */
export function concurrentScenario(list: ScimScenario[], loops: number, seconds: number): ConcurrentScenario {
  const [unfiltered, filtered] = [list.find((s) => s.name === 'Users, count=1000')!,
    list.find((s) => s.name === 'familyName eq, count=1000')!];
  // Requests are numbered apart from the sequential runs so the filtered one's startIndex bookkeeping stays its own.
  const pick = (i: number) => (i % 2 === 0 ? unfiltered : filtered);
  const offset = 1_000_000;
  return {
    name: `${loops} concurrent count=1000`, loops, seconds, targetP95Ms: 1000,
    description: `${loops} loops for ${seconds} s, each request the next of: the "${unfiltered.name}" and the `
      + `"${filtered.name}" requests above`,
    request: (i) => pick(i).request(offset + i),
    check: (i, request, response) => pick(i).check(offset + i, request, response),
  };
}

/** The group scenarios' requests, over a group holding `base` members and `extra` users to add and remove. */
export function groupScenarios(groupId: string, extra: string[], base: number, settings: ListSettings):
  ScimScenario[] {
  const path = `/scim/v2/Groups/${groupId}`;
  const common = { requests: settings.requests.slow, warmupRequests: Math.max(1, settings.warmup.slow),
    pollHealth: false, targetP95Ms: 1000 };
  const members = (request: ScimRequest, response: HttpResponse): string[] | undefined => {
    if (response.status === 204) return undefined;
    const body = expectJson(request, response);
    if (!Array.isArray(body.members)) throw new Error(`${request.method} ${request.path}: no members in the group`);
    return (body.members as { value: string }[]).map((m) => String(m.value));
  };
  const patch = (operation: Record<string, unknown>): ScimRequest => ({ method: 'PATCH', path,
    body: { schemas: [PATCH_OP], Operations: [operation] } });
  const ids = (i: number) => {
    if (i >= extra.length) throw new Error(`only ${extra.length} users set aside to add to the group`);
    return extra[i];
  };
  return [
    { name: `Group PATCH add 1 member`, ...common,
      description: `op add, path members, value [{value}] on a group of ${base.toLocaleString('en-US')} members `
        + '(a different user each time: it grows by one a request)',
      request: (i) => patch({ op: 'add', path: 'members', value: [{ value: ids(i) }] }),
      check: (i, request, response) => {
        const found = members(request, response);
        if (found && !found.includes(ids(i))) throw new Error(`PATCH add: ${ids(i)} is not a member afterwards`);
        return found?.length ?? NaN;
      } },
    { name: `Group PATCH remove 1 member`, ...common,
      description: 'op remove, path members[value eq "<id>"], the users added above in the same order '
        + `(back to ${base.toLocaleString('en-US')})`,
      request: (i) => patch({ op: 'remove', path: `members[value eq "${ids(i)}"]` }),
      check: (i, request, response) => {
        const found = members(request, response);
        if (found?.includes(ids(i))) throw new Error(`PATCH remove: ${ids(i)} is still a member afterwards`);
        return found?.length ?? NaN;
      } },
    { name: `Group GET`, ...common,
      description: `GET ${path.replace(/[0-9]+$/, '<id>')}, ${base.toLocaleString('en-US')} members, every attribute`,
      request: () => ({ method: 'GET', path }),
      check: (_i, request, response) => {
        const found = members(request, response) ?? [];
        if (found.length < base) throw new Error(`GET: ${found.length} members, expected ${base}`);
        return found.length;
      } },
  ];
}

/**
 * POST /Groups, then PATCH add members in chunks (untimed setup); returns the group's id once a
 * GET shows every member.
 */
export async function makeGroup(client: ScimClient, name: string, memberIds: string[], chunk: number,
  log: (msg: string) => void): Promise<string> {
  const create: ScimRequest = { method: 'POST', path: '/scim/v2/Groups',
    body: { schemas: [GROUP_SCHEMA], displayName: name } };
  const id = String(expectJson(create, await client.send(create), 201).id);
  const started = performance.now();
  for (let from = 0; from < memberIds.length; from += chunk) {
    const value = memberIds.slice(from, from + chunk).map((v) => ({ value: v }));
    const request: ScimRequest = { method: 'PATCH', path: `/scim/v2/Groups/${id}`,
      body: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value }] } };
    const response = await client.send(request);
    if (response.status !== 200 && response.status !== 204) expectJson(request, response);
  }
  const seconds = (performance.now() - started) / 1000;
  const get: ScimRequest = { method: 'GET', path: `/scim/v2/Groups/${id}` };
  const members = expectJson(get, await client.send(get)).members as unknown[] | undefined;
  if (members?.length !== memberIds.length) {
    throw new Error(`group ${id} has ${members?.length ?? 0} members, expected ${memberIds.length}`);
  }
  log(`group ${id} "${name}": ${memberIds.length.toLocaleString('en-US')} members added in `
    + `${Math.ceil(memberIds.length / chunk)} PATCHes of ${chunk} in ${seconds.toFixed(1)} s `
    + `(${(seconds * 1000 / Math.ceil(memberIds.length / chunk)).toFixed(0)} ms each)`);
  return id;
}

interface Tally {
  durations: number[];
  errors: number;
  firstError?: string;
  resources: number;
  bytes: number;
}

async function timed(client: ScimClient, scenario: Pick<ScimScenario, 'request' | 'check'>, i: number,
  tally: Tally): Promise<void> {
  const request = scenario.request(i);
  const started = performance.now();
  try {
    const response = await client.send(request);
    const ms = performance.now() - started;
    // Checked after the clock stops: parsing a megabyte of JSON is the bench's time, not the server's.
    tally.resources += scenario.check(i, request, response);
    tally.bytes += Buffer.byteLength(response.body);
    tally.durations.push(ms);
  } catch (err) {
    tally.errors += 1;
    tally.firstError ??= err instanceof Error ? err.message : String(err);
  }
}

function result(scenario: Pick<ScimScenario, 'name' | 'description' | 'targetP95Ms'>, tally: Tally,
  stats: { before: { cpuMicros: number; queries?: number }; after: { cpuMicros: number; queries?: number };
    healthPolls: number; }, concurrency: number, requests: number): ScimResult {
  const sorted = tally.durations.sort((a, b) => a - b);
  const ok = Math.max(1, sorted.length);
  return {
    name: scenario.name, description: scenario.description, targetP95Ms: scenario.targetP95Ms, concurrency,
    requests: sorted.length, errors: tally.errors, firstError: tally.firstError,
    p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted[sorted.length - 1] ?? NaN,
    resourcesPerResponse: tally.resources / ok, kbPerResponse: tally.bytes / 1024 / ok,
    // Less the polls' SELECT 1, one each.
    sqlPerRequest: ((stats.after.queries ?? 0) - (stats.before.queries ?? 0) - stats.healthPolls)
      / Math.max(1, requests),
    serverCpuMsPerRequest: (stats.after.cpuMicros - stats.before.cpuMicros) / 1000 / Math.max(1, requests),
  };
}

const emptyTally = (): Tally => ({ durations: [], errors: 0, resources: 0, bytes: 0 });

/** One request at a time: the first must succeed (or the scenario throws), then warm-up, then the measured ones. */
export async function runSequential(client: ScimClient, server: ServerProcess, scenario: ScimScenario):
  Promise<ScimResult> {
  const health = scenario.pollHealth ? pollHealth(server.info.origin) : undefined;
  try {
    const first = emptyTally();
    await timed(client, scenario, 0, first);
    if (first.errors) throw new Error(first.firstError);
    const warmup = Math.max(1, scenario.warmupRequests);
    for (let i = 1; i < warmup; i += 1) await timed(client, scenario, i, emptyTally());
    const tally = emptyTally();
    const before = await server.call('stats');
    const pollsBefore = health?.polls() ?? 0;
    for (let i = warmup; i < warmup + scenario.requests; i += 1) await timed(client, scenario, i, tally);
    const after = await server.call('stats');
    const healthPolls = (health?.polls() ?? 0) - pollsBefore;
    return { ...result(scenario, tally, { before, after, healthPolls }, 1, scenario.requests),
      health: await health?.stop() };
  } finally {
    await health?.stop();
  }
}

/** `loops` requests in flight for `seconds` (requests started before the end finish), polling /healthz. */
export async function runConcurrent(client: ScimClient, server: ServerProcess, scenario: ConcurrentScenario):
  Promise<ScimResult> {
  const health = pollHealth(server.info.origin);
  const tally = emptyTally();
  let next = 0;
  const before = await server.call('stats');
  const pollsBefore = health.polls();
  const started = performance.now();
  const deadline = started + scenario.seconds * 1000;
  await Promise.all(Array.from({ length: scenario.loops }, async () => {
    while (performance.now() < deadline) await timed(client, scenario, next++, tally);
  }));
  const seconds = (performance.now() - started) / 1000;
  const after = await server.call('stats');
  const healthPolls = health.polls() - pollsBefore;
  return { ...result(scenario, tally, { before, after, healthPolls }, scenario.loops, next),
    perSecond: tally.durations.length / seconds, health: await health.stop() };
}
