// The console's users list under test: each scenario is a few variants of one kind of
// request (other terms, other statuses, other sort orders), taken in turn, so no single
// cached plan or cached page flatters the figures. Requests go one at a time: this
// measures how long an administrator waits for the page, not throughput.
import { performance } from 'node:perf_hooks';
import type { ConsoleSession } from './console-session.js';
import { percentile } from './measure.js';
import type { ServerProcess } from './server-process.js';
import type { AdminBenchSettings } from './settings.js';

export interface ListScenario {
  name: string;
  paths: string[];
}

export interface ListResult {
  scenario: ListScenario;
  requests: number;
  errors: number;
  firstError?: string;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Mean rows on a page, to show the filters matched something. */
  rowsPerPage: number;
  serverCpuMsPerRequest: number;
  sqlPerRequest: number;
}

/** Substrings of common and rare surnames: "son" matches about one seeded user in ten, "dalt" one in three hundred. */
export const SEARCH_TERMS = ['son', 'smit', 'mart', 'ller', 'dalt'];
const STATUSES = ['blocked', 'locked', 'invited', 'reset_pending', 'deletion_scheduled'];

/** `someone` is one user's login: the search an administrator makes for one person. */
export function listScenarios(someone: string): ListScenario[] {
  const terms = [...SEARCH_TERMS, someone].map(encodeURIComponent);
  return [
    { name: 'No filter',
      paths: ['/admin/users', '/admin/users?sort=created&dir=desc', '/admin/users?sort=login',
        '/admin/users?sort=last_sign_in&dir=desc'] },
    { name: 'Sorted by public name',
      paths: ['/admin/users?sort=name', '/admin/users?sort=name&dir=desc', '/admin/users?sort=name&page=last',
        '/admin/users?sort=name&status=active'] },
    { name: 'Status filter', paths: STATUSES.map((s) => `/admin/users?status=${s}`) },
    { name: 'Search term', paths: terms.map((q) => `/admin/users?q=${q}`) },
    { name: 'Search + status', paths: terms.map((q) => `/admin/users?q=${q}&status=active`) },
    { name: 'Last page of a filter', paths: STATUSES.map((s) => `/admin/users?status=${s}&page=last`) },
  ];
}

const USERS_TABLE = /<table[^>]*\bclass="[^"]*\busers\b/;
const USER_ROW = /<tr[^>]*\bdata-user-id="/g;

/** The users' rows on a list page; throws unless it is a 200 page with the users table. */
function rowsOf(path: string, status: number, body: string): number {
  if (status !== 200) throw new Error(`GET ${path}: HTTP ${status} ${body.slice(0, 200).replace(/\s+/g, ' ')}`);
  if (!USERS_TABLE.test(body)) throw new Error(`GET ${path}: no <table class="users"> in the page`);
  const rows = body.match(USER_ROW)?.length ?? 0;
  if (rows === 0) throw new Error(`GET ${path}: the users table has no rows`);
  return rows;
}

export async function runListScenario(session: ConsoleSession, server: ServerProcess, scenario: ListScenario,
  settings: AdminBenchSettings): Promise<ListResult> {
  const fetchPage = async (path: string) => {
    const response = await session.get(path);
    return rowsOf(path, response.status, response.body);
  };
  // Every variant once first: a page that is missing or broken stops the bench here,
  // instead of producing figures for error pages.
  for (const path of scenario.paths) await fetchPage(path);
  for (let i = 0; i < settings.warmupRequests; i += 1) {
    await fetchPage(scenario.paths[i % scenario.paths.length]).catch(() => undefined);
  }

  const before = await server.call('stats');
  const durations: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let rows = 0;
  for (let i = 0; i < settings.requests; i += 1) {
    const path = scenario.paths[i % scenario.paths.length];
    const started = performance.now();
    try {
      rows += await fetchPage(path);
      durations.push(performance.now() - started);
    } catch (err) {
      errors += 1;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
  const after = await server.call('stats');
  const sorted = durations.sort((a, b) => a - b);
  return {
    scenario, requests: durations.length, errors, firstError,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    rowsPerPage: rows / Math.max(1, durations.length),
    serverCpuMsPerRequest: (after.cpuMicros - before.cpuMicros) / 1000 / settings.requests,
    sqlPerRequest: ((after.queries ?? 0) - (before.queries ?? 0)) / settings.requests,
  };
}
