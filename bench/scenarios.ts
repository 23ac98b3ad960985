// The HTTP scenarios: one OIDC call driven against one server process, with that server's
// CPU time and SQL statements over the run divided by the requests it served.
import { createHttpClient, oidcCalls } from './http-client.js';
import { combine, measure, type Measurement } from './measure.js';
import type { ServerProcess } from './server-process.js';
import type { BenchSettings } from './settings.js';

export type OidcCall = 'clientCredentials' | 'userinfo';

export interface HttpResult {
  measurement: Measurement;
  serverCpuMsPerRequest: number;
  /** Only for Foyer: the baseline has no database. */
  sqlPerRequest?: number;
}

/** One call before the load, so a misconfigured server fails loudly instead of measuring errors. */
function checkResponse(call: OidcCall, body: Record<string, unknown>, server: string): void {
  const field = call === 'userinfo' ? 'sub' : 'access_token';
  if (typeof body[field] !== 'string') {
    throw new Error(`${server}: ${call} answered without ${field}: ${JSON.stringify(body)}`);
  }
}

export async function runHttpScenario(server: ServerProcess, call: OidcCall,
  settings: BenchSettings): Promise<HttpResult> {
  const client = createHttpClient(server.info.origin, settings.concurrency);
  const calls = oidcCalls(client, server.info);
  try {
    checkResponse(call, await calls[call](), server.name);
    const before = await server.call('stats');
    const measurement = await measure(async () => { await calls[call](); }, settings);
    const after = await server.call('stats');
    const requests = measurement.warmupOps + measurement.ops + measurement.errors;
    return {
      measurement,
      serverCpuMsPerRequest: (after.cpuMicros - before.cpuMicros) / 1000 / requests,
      sqlPerRequest: after.queries === undefined ? undefined : (after.queries - before.queries!) / requests,
    };
  } finally {
    client.close();
  }
}

/** Rounds of the same scenario as one result: rates over the total time, counters per request. */
export function combineHttp(rounds: HttpResult[]): HttpResult {
  const requests = (r: HttpResult) => r.measurement.warmupOps + r.measurement.ops + r.measurement.errors;
  const total = rounds.reduce((sum, r) => sum + requests(r), 0);
  const weighted = (pick: (r: HttpResult) => number) => rounds.reduce((sum, r) => sum + pick(r) * requests(r),
    0) / total;
  return {
    measurement: combine(rounds.map((r) => r.measurement)),
    serverCpuMsPerRequest: weighted((r) => r.serverCpuMsPerRequest),
    sqlPerRequest: rounds[0].sqlPerRequest === undefined ? undefined : weighted((r) => r.sqlPerRequest!),
  };
}
