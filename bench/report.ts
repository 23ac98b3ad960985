// The report: a plain-text table for the terminal, details for diagnosis, the machine,
// and the same table in Markdown for the README.
import os from 'node:os';
import type { Measurement } from './measure.js';
import type { SignInResult } from './protocol.js';
import type { HttpResult } from './scenarios.js';
import type { BenchSettings } from './settings.js';

export interface BenchResults {
  clientCredentials: { foyer: HttpResult; baseline: HttpResult };
  userinfo: { foyer: HttpResult; baseline: HttpResult };
  signIn: SignInResult;
}

interface Row {
  measure: string;
  foyer: number;
  reference: number;
  referenceName: string;
  target: number;
}

const fmtRate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const fmtMs = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));

function rows(results: BenchResults, settings: BenchSettings): Row[] {
  return [
    { measure: 'Client credentials token (req/s)', foyer: results.clientCredentials.foyer.measurement.perSecond,
      reference: results.clientCredentials.baseline.measurement.perSecond, referenceName: 'bare oidc-provider',
      target: 0.7 },
    { measure: 'Userinfo (req/s)', foyer: results.userinfo.foyer.measurement.perSecond,
      reference: results.userinfo.baseline.measurement.perSecond, referenceName: 'bare oidc-provider', target: 0.7 },
    { measure: `Password sign-in, bcrypt cost ${settings.bcryptCost} (/s)`, foyer: results.signIn.foyer.perSecond,
      reference: results.signIn.bcrypt.perSecond, referenceName: 'raw bcrypt.compare', target: 0.9 },
  ];
}

function cells(row: Row): string[] {
  const ratio = row.foyer / row.reference;
  return [row.measure, fmtRate(row.foyer), `${fmtRate(row.reference)} (${row.referenceName})`, ratio.toFixed(2),
    `>= ${row.target.toFixed(2)}`, ratio >= row.target ? 'yes' : 'NO'];
}

const HEADER = ['Measure', 'Foyer', 'Reference', 'Foyer / reference', 'Target', 'Met'];

/** A plain-text table; the first line is the header, the first column is left-aligned. */
export function textTable(lines: string[][]): string {
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const render = (l: string[]) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [render(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(render)].join('\n');
}

/** The same table in Markdown, numbers right-aligned. */
export function markdownTable(lines: string[][]): string {
  const render = (l: string[]) => `| ${l.join(' | ')} |`;
  return [render(lines[0]), `|${lines[0].map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...lines.slice(1).map(render)].join('\n');
}

function detail(name: string, m: Measurement, http?: HttpResult): string {
  const extra = http ? `, server CPU ${fmtMs(http.serverCpuMsPerRequest)} ms/req` +
    (http.sqlPerRequest === undefined ? '' : `, ${http.sqlPerRequest.toFixed(2)} SQL statements/req`) : '';
  const errors = m.errors ? `, ${m.errors} ERRORS (first: ${m.firstError})` : '';
  return `  ${name.padEnd(32)} ${fmtRate(m.perSecond).padStart(8)}/s  ${m.ops} ok in ${m.seconds.toFixed(1)} s, ` +
    `p50 ${fmtMs(m.p50Ms)} ms, p99 ${fmtMs(m.p99Ms)} ms${extra}${errors}`;
}

/** The machine and the database, the part of the machine line every benchmark shares. */
export function machineDescription(database: string): string {
  const cpus = os.cpus();
  const memory = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${memory} GiB RAM, Node ${process.version}, `
    + `${os.platform()} ${os.release()}; ` +
    database;
}

export function machineLine(settings: BenchSettings, database: string): string {
  return `${machineDescription(database)}; HTTP: ${settings.concurrency} in flight, `
    + `${settings.rounds > 1 ? `${settings.rounds} rounds of ` : ''}${settings.seconds} s after `
    + `${settings.warmupSeconds} s warm-up; ` +
    `sign-in: ${settings.signInConcurrency} in flight, ${settings.signInSeconds} s per side, libuv threadpool `
      + `${process.env.UV_THREADPOOL_SIZE ?? 4}`;
}

/** All measurements with errors: their figures are not trustworthy. */
export function failedMeasurements(results: BenchResults): string[] {
  const all: [string, Measurement][] = [
    ['Foyer client credentials', results.clientCredentials.foyer.measurement],
    ['baseline client credentials', results.clientCredentials.baseline.measurement],
    ['Foyer userinfo', results.userinfo.foyer.measurement],
    ['baseline userinfo', results.userinfo.baseline.measurement],
    ['Foyer sign-in', results.signIn.foyer],
    ['raw bcrypt.compare', results.signIn.bcrypt],
  ];
  return all.filter(([, m]) => m.errors > 0).map(([name, m]) => `${name}: ${m.errors} errors (first: ${m.firstError})`);
}

export function printReport(results: BenchResults, settings: BenchSettings, machine: string): void {
  const lines = [HEADER, ...rows(results, settings).map(cells)];
  const { clientCredentials: cc, userinfo: ui, signIn } = results;
  console.log('\nDetails');
  console.log(detail('Foyer client credentials', cc.foyer.measurement, cc.foyer));
  console.log(detail('baseline client credentials', cc.baseline.measurement, cc.baseline));
  console.log(detail('Foyer userinfo', ui.foyer.measurement, ui.foyer));
  console.log(detail('baseline userinfo', ui.baseline.measurement, ui.baseline));
  console.log(detail('Foyer sign-in', signIn.foyer));
  console.log(detail('raw bcrypt.compare', signIn.bcrypt));
  console.log(`\nResults\n${textTable(lines)}`);
  console.log(`\nMachine: ${machine}`);
  console.log(`\nMarkdown\n\n${markdownTable(lines)}\n\n_${machine}_\n`);
}
