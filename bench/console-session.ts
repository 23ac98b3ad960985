// A browser's part in the console sign-in, over plain HTTP: a cookie jar (with paths, as
// the provider scopes its interaction cookies by path), redirects followed by hand, and
// the sign-in form's CSRF field. No browser, so the load generator stays light.
import { createHttpClient, type HttpClient, type HttpResponse } from './http-client.js';

interface Cookie { name: string; value: string; path: string }

const MAX_REDIRECTS = 20;

export class ConsoleSession {
  private readonly client: HttpClient;
  private readonly cookies = new Map<string, Cookie>();

  constructor(private readonly origin: string) {
    this.client = createHttpClient(origin, 1);
  }

  private remember(response: HttpResponse): void {
    for (const line of response.headers['set-cookie'] ?? []) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length
        + 1);
      const path = attribute('path') ?? '/';
      const expires = attribute('expires');
      const removed = value === '' || attribute('max-age') === '0'
        || (expires !== undefined && Date.parse(expires) <= Date.now());
      if (removed) this.cookies.delete(`${path} ${name}`);
      else this.cookies.set(`${path} ${name}`, { name, value, path });
    }
  }

  /** The Cookie header a browser would send to this path: the longest path first. */
  private cookieHeader(path: string): string {
    const pathname = path.split('?')[0];
    return [...this.cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private async send(method: 'GET' | 'POST', path: string, body?: string): Promise<HttpResponse> {
    const headers: Record<string, string> = { cookie: this.cookieHeader(path), accept: 'text/html' };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await this.client.send({ method, path, headers, body });
    this.remember(response);
    return response;
  }

  /** A path on our origin from a Location header, which may be absolute. */
  private pathOf(location: string): string {
    const url = new URL(location, this.origin);
    if (url.origin !== new URL(this.origin).origin) throw new Error(`redirected off the server, to ${location}`);
    return `${url.pathname}${url.search}`;
  }

  private async follow(response: HttpResponse, from: string): Promise<{ path: string; response: HttpResponse }> {
    let path = from;
    for (let hops = 0; response.status >= 300 && response.status < 400; hops += 1) {
      if (hops === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${from}`);
      const location = response.headers.location;
      if (!location) throw new Error(`HTTP ${response.status} without a Location from ${path}`);
      path = this.pathOf(location);
      response = await this.send('GET', path);
    }
    return { path, response };
  }

  /** GET without following redirects: what the benchmark measures. */
  get(path: string): Promise<HttpResponse> {
    return this.send('GET', path);
  }

  /**
   * Signs in to the console as a person would: /admin/login → the provider's /auth → the
   * sign-in page → submit → consent (skipped: the console asks for nothing) → /admin.
   */
  async signIn(identifier: string, password: string): Promise<void> {
    const page = await this.follow(await this.send('GET', '/admin/login'), '/admin/login');
    const form = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(page.response.body);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.response.body);
    if (page.response.status !== 200 || !form || !csrf) {
      throw new Error(`expected the sign-in page at ${page.path}, got HTTP ${page.response.status}: `
        + `${page.response.body.slice(0, 300)}`);
    }
    const fields = new URLSearchParams({ _csrf: csrf[1], identifier, password });
    const done = await this.follow(await this.send('POST', form[1], fields.toString()), form[1]);
    if (done.response.status !== 200 || !done.path.startsWith('/admin')) {
      throw new Error(`signing in to the console ended at ${done.path} with HTTP ${done.response.status}: `
        + `${done.response.body.slice(0, 300)}`);
    }
  }

  close(): void {
    this.client.close();
  }
}
