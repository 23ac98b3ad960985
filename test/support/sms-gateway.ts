// A real HTTP server playing the SMS gateway for tests: it receives what Foyer POSTs to
// SMS_WEBHOOK_URL ({to, text} as JSON), answers each request with the next status in a script
// (then 200), can hold an answer back to play a timeout, and hands back the codes it was sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  to: string;
  text: string;
  /** The request's Authorization header, if any. */
  authorization?: string;
  contentType?: string;
  /** The status the gateway answered this one with. */
  answered: number;
}

export interface TestSmsGateway {
  url: string;
  /** Every request, in order, whatever was answered. */
  requests: ReceivedSms[];
  /** The requests answered 2xx: what a phone would have received. */
  delivered(): ReceivedSms[];
  /** The next requests are answered with these statuses, in order; then 200 again. */
  answerWith(...statuses: number[]): void;
  /** The next request gets no answer for `ms` (a gateway that hangs), then 200. */
  holdNext(ms: number): void;
  /** Waits for a delivered message to `to`, past the first `after` delivered ones. */
  waitFor(to: string, opts?: { after?: number; timeoutMs?: number }): Promise<ReceivedSms>;
  close(): Promise<void>;
}

/** The 6-digit code in a text message. */
export function codeIn(text: string): string {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match) throw new Error(`no code in "${text}"`);
  return match[1];
}

export async function startSmsGateway(): Promise<TestSmsGateway> {
  const requests: ReceivedSms[] = [];
  const script: number[] = [];
  let hold = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { to?: unknown; text?: unknown } = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
      } catch {
        // recorded with empty fields: the test sees it
      }
      const status = script.shift() ?? 200;
      const wait = hold;
      hold = 0;
      requests.push({ to: String(body.to ?? ''), text: String(body.text ?? ''),
        authorization: req.headers.authorization, contentType: req.headers['content-type'], answered: status });
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status < 300 ? { id: `msg-${requests.length}` } : { error: 'simulated' }));
      }, wait);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const delivered = () => requests.filter((r) => r.answered >= 200 && r.answered < 300);
  return {
    url: `http://127.0.0.1:${port}/send`,
    requests,
    delivered,
    answerWith: (...statuses) => void script.push(...statuses),
    holdNext: (ms) => void (hold = ms),
    async waitFor(to, { after = 0, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = delivered().slice(after).find((m) => m.to === to);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(`no text message to ${to} (got: ${requests.map((r) => `${r.to} ${r.answered}`).join('; ')})`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
