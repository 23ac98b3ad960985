// The report of `npm run bench:admin`: per scenario the latency an administrator sees,
// details for diagnosis (variants, rows, SQL statements and server CPU per page), the
// machine, and the table again in Markdown for the README.
import type { ListResult } from './admin-scenarios.js';
import { machineDescription, markdownTable, textTable } from './report.js';
import type { AdminBenchSettings } from './settings.js';

const fmtMs = (n: number) => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));

function cells(result: ListResult, settings: AdminBenchSettings): string[] {
  const met = result.errors === 0 && result.p95Ms < settings.targetP95Ms;
  return [result.scenario.name, fmtMs(result.p50Ms), fmtMs(result.p95Ms), fmtMs(result.maxMs),
    `< ${settings.targetP95Ms}`, met ? 'yes' : 'NO'];
}

const HEADER = ['Scenario', 'p50 ms', 'p95 ms', 'max ms', 'Target p95', 'Met'];

export function adminMachineLine(settings: AdminBenchSettings, database: string, users: number): string {
  return `${machineDescription(database)}; ${users.toLocaleString('en-US')} users; ` +
    `${settings.requests} sequential requests per scenario after ${settings.warmupRequests} warm-up`;
}

/** Scenarios with errors or over the target, for the exit code and the closing message. */
export function missedTargets(results: ListResult[], settings: AdminBenchSettings): string[] {
  return results.filter((r) => r.errors > 0 || !(r.p95Ms < settings.targetP95Ms)).map((r) => r.errors > 0
    ? `${r.scenario.name}: ${r.errors} errors (first: ${r.firstError})`
    : `${r.scenario.name}: p95 ${fmtMs(r.p95Ms)} ms`);
}

export function printAdminReport(results: ListResult[], settings: AdminBenchSettings, machine: string): void {
  console.log('\nDetails');
  for (const r of results) {
    console.log(`  ${r.scenario.name}: ${r.requests} ok`
      + `${r.errors ? `, ${r.errors} ERRORS (first: ${r.firstError})` : ''}, ` +
      `${r.rowsPerPage.toFixed(1)} rows/page, ${r.sqlPerRequest.toFixed(1)} SQL statements/page, server CPU `
        + `${fmtMs(r.serverCpuMsPerRequest)} ms/page`);
    for (const path of r.scenario.paths) console.log(`      ${path}`);
  }
  const lines = [HEADER, ...results.map((r) => cells(r, settings))];
  console.log(`\nResults\n${textTable(lines)}`);
  console.log(`\nMachine: ${machine}`);
  console.log(`\nMarkdown\n\n${markdownTable(lines)}\n\n_${machine}_\n`);
}
