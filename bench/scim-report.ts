// The report of `npm run bench:scim`: per scenario the latency a provisioning client sees and,
// where /healthz was polled, how many polls answered 200; details for diagnosis (what the
// requests were, resources and bytes per answer, SQL statements and server CPU per request);
// the machine; and the table again in Markdown for the README.
import { healthSummary, HEALTH_INTERVAL_MS } from './scim-client.js';
import type { ScimResult } from './scim-scenarios.js';
import { machineDescription, markdownTable, textTable } from './report.js';

const fmtMs = (n: number) => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const fmtTarget = (ms: number) => (ms >= 1000 ? `< ${ms / 1000} s` : `< ${ms} ms`);

const HEADER = ['Scenario', 'Requests', 'p50 ms', 'p95 ms', 'max ms', 'Target p95', 'Met', '/healthz 200'];

/** Met: no request failed, p95 within the target and, where polled, every /healthz answered 200. */
export function met(r: ScimResult): boolean {
  return r.errors === 0 && r.p95Ms < r.targetP95Ms && (!r.health || r.health.ok === r.health.polls);
}

function cells(r: ScimResult): string[] {
  const requests = `${r.requests}${r.concurrency > 1 ? ` (${r.concurrency} in flight)` : ''}`
    + `${r.errors ? ` + ${r.errors} failed` : ''}`;
  return [r.name, requests, fmtMs(r.p50Ms), fmtMs(r.p95Ms), fmtMs(r.maxMs), fmtTarget(r.targetP95Ms),
    met(r) ? 'yes' : 'NO', r.health ? healthSummary(r.health) : '-'];
}

export interface ScimRunInfo {
  database: string;
  users: number;
  groupMembers: number;
  fast: { requests: number; warmup: number };
  slow: { requests: number; warmup: number };
  concurrent: { loops: number; seconds: number };
}

export function scimMachineLine(info: ScimRunInfo): string {
  return `${machineDescription(info.database)}; ${info.users.toLocaleString('en-US')} users; `
    + `count=100: ${info.fast.requests} sequential requests per scenario after ${info.fast.warmup} warm-up; `
    + `count=1000 and the group of ${info.groupMembers.toLocaleString('en-US')}: ${info.slow.requests} after `
    + `${info.slow.warmup}; concurrent: ${info.concurrent.loops} loops for ${info.concurrent.seconds} s; `
    + `/healthz polled every ${HEALTH_INTERVAL_MS} ms`;
}

/** Scenarios that failed, missed the target or saw /healthz fail, for the closing message. */
export function missedTargets(results: ScimResult[]): string[] {
  return results.filter((r) => !met(r)).map((r) => {
    const parts: string[] = [];
    if (r.errors) parts.push(`${r.errors} failed requests (first: ${r.firstError})`);
    if (!(r.p95Ms < r.targetP95Ms)) parts.push(`p95 ${fmtMs(r.p95Ms)} ms`);
    if (r.health && r.health.ok !== r.health.polls) {
      parts.push(`/healthz ${healthSummary(r.health)}${r.health.firstFailure ? ` (first: ${r.health.firstFailure})`
        : ''}`);
    }
    return `${r.name}: ${parts.join('; ')}`;
  });
}

export function printScimReport(results: ScimResult[], machine: string): void {
  console.log('\nDetails');
  for (const r of results) {
    const rate = r.perSecond === undefined ? '' : `, ${r.perSecond.toFixed(2)} requests/s`;
    console.log(`  ${r.name}: ${r.requests} ok${r.errors ? `, ${r.errors} ERRORS (first: ${r.firstError})` : ''}`
      + `${rate}, ${r.resourcesPerResponse.toFixed(1)} resources and ${r.kbPerResponse.toFixed(0)} KB per answer, `
      + `${r.sqlPerRequest.toFixed(1)} SQL statements and ${fmtMs(r.serverCpuMsPerRequest)} ms server CPU per request`);
    console.log(`      ${r.description}`);
    if (r.health) {
      console.log(`      /healthz: ${healthSummary(r.health)}, p50 ${fmtMs(r.health.p50Ms)} ms, max `
        + `${fmtMs(r.health.maxMs)} ms${r.health.firstFailure ? ` (first failure: ${r.health.firstFailure})` : ''}`);
    }
  }
  const lines = [HEADER, ...results.map(cells)];
  console.log(`\nResults\n${textTable(lines)}`);
  console.log(`\nMachine: ${machine}`);
  console.log(`\nMarkdown\n\n${markdownTable(lines)}\n\n_${machine}_\n`);
}
