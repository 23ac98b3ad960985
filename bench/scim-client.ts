// The SCIM client of `npm run bench:scim`: http-client.ts's keep-alive node:http client with
// the API key and SCIM's media type on every request, and a poller of GET /healthz that runs
// beside the measured requests, a connection per poll, as a load balancer's health check would.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createHttpClient, type HttpRequest, type HttpResponse } from './http-client.js';
import { percentile } from './measure.js';

export interface ScimRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  body?: unknown;
}

export interface ScimClient {
  send(request: ScimRequest): Promise<HttpResponse>;
  close(): void;
}

const SCIM_TYPE = 'application/scim+json';

/** `sockets`: requests that may be in flight at once. */
export function createScimClient(origin: string, apiKey: string, sockets = 1): ScimClient {
  const client = createHttpClient(origin, sockets);
  return {
    send({ method, path, body }) {
      const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: SCIM_TYPE };
      if (body !== undefined) headers['content-type'] = SCIM_TYPE;
      // http-client.ts types the methods the OIDC bench uses; node:http sends PATCH as well.
      return client.send({ method: method as HttpRequest['method'], path, headers,
        body: body === undefined ? undefined : JSON.stringify(body) });
    },
    close: () => client.close(),
  };
}

/** The body of a SCIM answer; throws, with the status and the start of the body, unless it has `status`. */
export function expectJson(request: ScimRequest, response: HttpResponse, status = 200): Record<string, unknown> {
  if (response.status !== status) {
    throw new Error(`${request.method} ${request.path}: HTTP ${response.status} `
      + `${response.body.slice(0, 300).replace(/\s+/g, ' ')}`);
  }
  try {
    return JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    throw new Error(`${request.method} ${request.path}: HTTP ${response.status} with a body that is not JSON`);
  }
}

export interface HealthResult {
  polls: number;
  ok: number;
  /** Answers other than 200, by status (503: the database did not answer /healthz within 2 s). */
  otherStatus: Record<string, number>;
  /** No answer within HEALTH_TIMEOUT_MS, or the connection failed. */
  noAnswer: number;
  p50Ms: number;
  maxMs: number;
  firstFailure?: string;
}

export const HEALTH_INTERVAL_MS = 100;
/** Longer than /healthz's own 2 s database timeout, so a 503 is seen as one, not as a timeout. */
const HEALTH_TIMEOUT_MS = 3000;

/**
 * One GET /healthz on a connection of its own, as a load balancer's check makes it: a reused
 * keep-alive socket can be closed by the server as the poll starts, which is no failure of the server.
 */
function getHealth(origin: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: hostname, port, path: '/healthz', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(HEALTH_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

/**
 * Starts GET /healthz every 100 ms, whether or not the previous one has answered (a monitor
 * does not wait for a slow server); `stop()` waits for those in flight and tells what came back.
 */
export function pollHealth(origin: string): { polls(): number; stop(): Promise<HealthResult> } {
  const durations: number[] = [];
  const result: HealthResult = { polls: 0, ok: 0, otherStatus: {}, noAnswer: 0, p50Ms: NaN, maxMs: NaN };
  const inFlight = new Set<Promise<void>>();
  const poll = () => {
    result.polls += 1;
    const started = performance.now();
    const done: Promise<void> = getHealth(origin)
      .then((response) => {
        durations.push(performance.now() - started);
        if (response.status === 200) result.ok += 1;
        else {
          result.otherStatus[response.status] = (result.otherStatus[response.status] ?? 0) + 1;
          result.firstFailure ??= `HTTP ${response.status} ${response.body.slice(0, 100)}`;
        }
      }, (err: unknown) => {
        result.noAnswer += 1;
        result.firstFailure ??= err instanceof Error ? err.message : String(err);
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  poll();
  const interval = setInterval(poll, HEALTH_INTERVAL_MS);
  let stopped: Promise<HealthResult> | undefined;
  return {
    /** Polls sent so far (each is one SQL statement on the server). */
    polls: () => result.polls,
    // Once: a second call (a finally after the normal stop) gets the same result.
    stop: () => (stopped ??= (async () => {
      clearInterval(interval);
      await Promise.all([...inFlight]);
      const sorted = durations.sort((a, b) => a - b);
      return { ...result, p50Ms: percentile(sorted, 50), maxMs: sorted[sorted.length - 1] ?? NaN };
    })()),
  };
}

/** "312/312", or "300/312 (12 × 503)" with what the others were. */
export function healthSummary(h: HealthResult): string {
  const others = [...Object.entries(h.otherStatus).map(([status, n]) => `${n} × ${status}`),
    ...(h.noAnswer ? [`${h.noAnswer} no answer`] : [])];
  return `${h.ok}/${h.polls}${others.length ? ` (${others.join(', ')})` : ''}`;
}
