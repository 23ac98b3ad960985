// `npm run bench`: Foyer's token, userinfo and sign-in throughput next to a bare
// node-oidc-provider and raw bcrypt on this machine. A benchmark, not a test: it reports
// figures and targets, and fails only when it could not measure. See bench/README.md.
import { prepareDatabase, type BenchDatabase } from './database.js';
import type { FoyerServerOptions } from './foyer-server.js';
import { failedMeasurements, machineLine, printReport, type BenchResults } from './report.js';
import { combineHttp, runHttpScenario, type HttpResult, type OidcCall } from './scenarios.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { BenchSettingsError, loadBenchSettings, type BenchSettings } from './settings.js';
import { cleanUpOnInterrupt } from './interrupt.js';

const log = (msg: string) => console.log(`  ${msg}`);

function progress(label: string, result: HttpResult): void {
  const m = result.measurement;
  log(`${label.padEnd(30)} ${Math.round(m.perSecond).toLocaleString('en-US').padStart(7)} req/s`
    + `${m.errors ? `  (${m.errors} errors)` : ''}`);
}

async function runAll(foyer: ServerProcess, baseline: ServerProcess, settings: BenchSettings): Promise<BenchResults> {
  // Foyer and the baseline take turns, so drift of the machine hits both alike.
  // All userinfo rounds go before any client-credentials load: the in-memory adapter keeps
  // 1,000 entries and client-credentials tokens would push the baseline's user token out.
  const pair = async (call: OidcCall) => {
    const baselineRounds: HttpResult[] = [];
    const foyerRounds: HttpResult[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      baselineRounds.push(await runHttpScenario(baseline, call, settings));
      progress(`${call} baseline`, baselineRounds[round]);
      foyerRounds.push(await runHttpScenario(foyer, call, settings));
      progress(`${call} Foyer`, foyerRounds[round]);
    }
    return { foyer: combineHttp(foyerRounds), baseline: combineHttp(baselineRounds) };
  };
  const userinfo = await pair('userinfo');
  const clientCredentials = await pair('clientCredentials');

  log(`sign-in vs bcrypt.compare (cost ${settings.bcryptCost}, ${settings.signInSeconds} s each) ...`);
  const signIn = await foyer.call('signIn',
    { seconds: settings.signInSeconds, concurrency: settings.signInConcurrency, rounds: 2 });
  log(`sign-in Foyer ${signIn.foyer.perSecond.toFixed(2)}/s, raw bcrypt.compare `
    + `${signIn.bcrypt.perSecond.toFixed(2)}/s`);
  return { userinfo, clientCredentials, signIn };
}

async function main(): Promise<number> {
  const settings = loadBenchSettings();
  console.log('Foyer benchmark');
  const servers: ServerProcess[] = [];
  let database: BenchDatabase | undefined;
  const cleanUp = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.close();
  };
  const finish = cleanUpOnInterrupt(cleanUp);

  try {
    database = await prepareDatabase(settings, log);
    log(`database: ${database.description}`);
    const foyerOptions: FoyerServerOptions = { databaseUrl: database.url, bcryptCost: settings.bcryptCost };
    servers.push(await startServerProcess('foyer', 'foyer-server.ts', foyerOptions, settings.cpuProfileDir));
    servers.push(await startServerProcess('baseline', 'baseline-server.ts', {}, settings.cpuProfileDir));
    const [foyer, baseline] = servers;
    const results = await runAll(foyer, baseline, settings);
    printReport(results, settings, machineLine(settings, database.description));
    const failed = failedMeasurements(results);
    if (failed.length) {
      console.error(`Some measurements had errors, their figures are not valid:\n  ${failed.join('\n  ')}`);
    }
    return failed.length ? 1 : 0;
  } finally {
    await finish();
  }
}

main().then((code) => process.exit(code), (err) => {
  if (err instanceof BenchSettingsError) console.error(err.message);
  else console.error('Benchmark failed:', err instanceof Error ? err.stack ?? err.message : err);
  process.exit(1);
});
