// The load generator's HTTP client: node:http over keep-alive sockets, one per loop.
// node:http is lighter than fetch, so more of the two cores is left to the server.
import http from 'node:http';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
  close(): void;
}

export function createHttpClient(origin: string, sockets: number): HttpClient {
  const { hostname, port } = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  return {
    send({ method, path, headers, body }) {
      return new Promise((resolve, reject) => {
        const req = http.request({ host: hostname, port, method, path, agent,
          headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The OIDC calls under test, the same for Foyer and the baseline. */
export function oidcCalls(client: HttpClient,
  credentials: { clientId: string; clientSecret: string; accessToken: string }) {
  const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:`
    + `${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
  const expectOk = (what: string, response: HttpResponse): Record<string, unknown> => {
    if (response.status !== 200) throw new Error(`${what}: HTTP ${response.status} ${response.body.slice(0, 200)}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  };
  return {
    async clientCredentials(): Promise<Record<string, unknown>> {
      return expectOk('client credentials', await client.send({
        method: 'POST', path: '/token', body: 'grant_type=client_credentials',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      }));
    },
    async userinfo(): Promise<Record<string, unknown>> {
      return expectOk('userinfo', await client.send({
        method: 'GET', path: '/me', headers: { authorization: `Bearer ${credentials.accessToken}` },
      }));
    },
  };
}
