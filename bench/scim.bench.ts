// `npm run bench:scim`: how long a provisioning client waits for Foyer's SCIM API at a million
// users. Seeds the directory as bench:admin does (same settings, so the same database serves
// both), makes an Administrator's API key, starts Foyer in its own process and times, one
// request at a time after a warm-up: Users lists of 100 and 1,000 without and with filters, and
// PATCH / GET of a group of 5,000 members; while the lists of 1,000 run, and during 10 s of 4
// concurrent ones, it polls GET /healthz every 100 ms. A benchmark, not a test: it reports figures
// against the targets and fails only when it could not measure. See bench/README.md.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { prepareDatabase, type BenchDatabase } from './database.js';
import type { FoyerServerOptions } from './foyer-server.js';
import { createScimClient, healthSummary, type ScimClient } from './scim-client.js';
import { missedTargets, printScimReport, scimMachineLine, type ScimRunInfo } from './scim-report.js';
import { concurrentScenario, groupScenarios, makeGroup, runConcurrent, runSequential, userListScenarios,
  type ListSettings, type ScimResult, type ScimScenario } from './scim-scenarios.js';
import { fillDirectory } from './directory.js';
import { issueAdministratorKey, sampleDirectory } from './scim-setup.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { BenchSettingsError, loadAdminBenchSettings } from './settings.js';
import { cleanUpOnInterrupt } from './interrupt.js';

const log = (msg: string) => console.log(`  ${msg}`);

const GROUP_MEMBERS = 5000;
const GROUP_CHUNK = 500;
const CONCURRENT = { loops: 4, seconds: 10 };
const fmt = (n: number) => (Number.isNaN(n) ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(1));

function progress(r: ScimResult): void {
  log(`${r.name.padEnd(30)} p50 ${fmt(r.p50Ms).padStart(6)} ms   p95 ${fmt(r.p95Ms).padStart(6)} ms   max `
    + `${fmt(r.maxMs).padStart(6)} ms${r.errors ? `   (${r.errors} errors)` : ''}`
    + `${r.health ? `   /healthz ${healthSummary(r.health)}` : ''}`);
}

/** A scenario whose first request fails is reported as failed, and the others still run. */
function failed(scenario: Pick<ScimScenario, 'name' | 'description' | 'targetP95Ms'>, err: unknown): ScimResult {
  return { name: scenario.name, description: scenario.description, targetP95Ms: scenario.targetP95Ms,
    concurrency: 1, requests: 0, errors: 1, firstError: err instanceof Error ? err.message : String(err),
    p50Ms: NaN, p95Ms: NaN, maxMs: NaN, resourcesPerResponse: 0, kbPerResponse: 0, sqlPerRequest: 0,
    serverCpuMsPerRequest: 0 };
}

async function main(): Promise<number> {
  const settings = loadAdminBenchSettings();
  // count=1000 lists and the group take up to a second each: half as many of them.
  const list: ListSettings = {
    users: 0,
    requests: { fast: settings.requests, slow: Math.max(10, Math.round(settings.requests / 2)) },
    warmup: { fast: settings.warmupRequests, slow: Math.round(settings.warmupRequests / 2) },
  };
  console.log('Foyer SCIM benchmark');
  let database: BenchDatabase | undefined;
  let foyer: ServerProcess | undefined;
  const clients: ScimClient[] = [];
  const cleanUp = async () => {
    for (const client of clients) client.close();
    await foyer?.stop();
    await database?.close();
  };
  const finish = cleanUpOnInterrupt(cleanUp);

  try {
    database = await prepareDatabase(settings, log, 'foyer_bench_scim');
    log(`database: ${database.description}`);
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const groupUsers = GROUP_MEMBERS + Math.max(1, list.warmup.slow) + list.requests.slow;
    let sample;
    try {
      list.users = await fillDirectory(pool, settings, log);
      sample = await sampleDirectory(pool, { logins: list.requests.fast + list.warmup.fast, familyNames: 5,
        members: groupUsers });
    } finally {
      await pool.end();
    }
    if (sample.memberIds.length < groupUsers) throw new Error(`${groupUsers} users are needed for the group`);
    const { name: account, key } = await issueAdministratorKey(database.url);
    log(`API key of the service account ${account} (Administrator)`);

    const options: FoyerServerOptions = { databaseUrl: database.url, bcryptCost: 12 };
    foyer = await startServerProcess('foyer', 'foyer-server.ts', options, settings.cpuProfileDir);
    const client = createScimClient(foyer.info.origin, key);
    clients.push(client);

    const results: ScimResult[] = [];
    const run = async (scenario: ScimScenario) => {
      const r = await runSequential(client, foyer!, scenario).catch((err: unknown) => failed(scenario, err));
      results.push(r);
      progress(r);
    };
    const lists = userListScenarios(sample, list);
    for (const scenario of lists) await run(scenario);

    let groupId: string | undefined;
    try {
      groupId = await makeGroup(client, `bench-scim-${randomBytes(4).toString('hex')}`,
        sample.memberIds.slice(0, GROUP_MEMBERS), GROUP_CHUNK, log);
    } catch (err) {
      log(`could not make the group: ${err instanceof Error ? err.message : String(err)}`);
    }
    const groups = groupScenarios(groupId ?? '0', sample.memberIds.slice(GROUP_MEMBERS), GROUP_MEMBERS, list);
    for (const scenario of groups) {
      if (groupId) await run(scenario);
      else results.push(failed(scenario, new Error('the group could not be made')));
    }

    const concurrent = concurrentScenario(lists, CONCURRENT.loops, CONCURRENT.seconds);
    const pooled = createScimClient(foyer.info.origin, key, CONCURRENT.loops);
    clients.push(pooled);
    const c = await runConcurrent(pooled, foyer, concurrent).catch((err: unknown) => failed(concurrent, err));
    results.push(c);
    progress(c);

    const info: ScimRunInfo = { database: database.description, users: list.users, groupMembers: GROUP_MEMBERS,
      fast: { requests: list.requests.fast, warmup: list.warmup.fast },
      slow: { requests: list.requests.slow, warmup: Math.max(1, list.warmup.slow) }, concurrent: CONCURRENT };
    printScimReport(results, scimMachineLine(info));
    const missed = missedTargets(results);
    if (missed.length) console.error(`Not within the targets:\n  ${missed.join('\n  ')}`);
    // Failures under concurrent load are a finding; a sequential request that fails means no figure.
    const broken = results.filter((r) => r !== c && r.errors > 0);
    if (broken.length) console.error('Some requests failed: the figures of those scenarios are not valid.');
    return broken.length || c.requests === 0 ? 1 : 0;
  } finally {
    await finish();
  }
}

main().then((code) => process.exit(code), (err) => {
  if (err instanceof BenchSettingsError) console.error(err.message);
  else console.error('Benchmark failed:', err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
