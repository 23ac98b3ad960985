// A cookie-keeping HTTP client for form tests that need no browser: it follows what a
// browser would send (cookies, the form's CSRF field) and nothing more.
export class HttpSession {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.base),
      { headers: { cookie: this.cookieHeader(), ...headers }, redirect: 'manual' });
    this.remember(res);
    return res;
  }

  async postForm(path: string, fields: Record<string, string>,
    headers: Record<string, string> = {}): Promise<Response> {
    return this.post(path, new URLSearchParams(fields).toString(),
      { 'content-type': 'application/x-www-form-urlencoded', ...headers });
  }

  /**
   * A POST of any body with this browser's cookies (JSON, odd content types, extra headers;
   * FormData sets its own multipart type).
   */
  async post(path: string, body: string | FormData, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(new URL(path, this.base),
      { method: 'POST', headers: { cookie: this.cookieHeader(), ...headers }, body, redirect: 'manual' });
    this.remember(res);
    return res;
  }
}

/** The CSRF token a rendered form carries. */
export function csrfTokenIn(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF field in the page');
  return match[1];
}
