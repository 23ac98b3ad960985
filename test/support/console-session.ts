// Signing in to the console over plain HTTP, as a browser would: through the console's
// authorization request, Foyer's sign-in page and back. For route tests that need no browser.
import { csrfTokenIn, HttpSession } from './http-session.js';

async function follow(session: HttpSession, res: Response): Promise<Response> {
  let current = res;
  for (let hops = 0; hops < 20 && current.status >= 300 && current.status < 400; hops += 1) {
    current = await session.get(current.headers.get('location')!);
  }
  return current;
}

/**
 * A signed-in session of the console (or, with prefix /account, the account pages) for `login`;
 * throws if the sign-in page refuses.
 */
export async function consoleSession(issuer: string, login: string, password: string,
  prefix: '/admin' | '/account' = '/admin'): Promise<HttpSession> {
  const session = new HttpSession(issuer);
  const loginPage = await follow(session, await session.get(`${prefix}/login`));
  const html = await loginPage.text();
  const action = /action="(\/interaction\/[^"]+\/login)"/.exec(html)?.[1];
  if (!action) throw new Error(`no sign-in form (status ${loginPage.status})`);
  const submitted = await session.postForm(action, { identifier: login, password, _csrf: csrfTokenIn(html) });
  const landed = await follow(session, submitted);
  if (landed.status !== 200 && landed.status !== 403) throw new Error(`console sign-in ended with ${landed.status}`);
  await landed.arrayBuffer();
  return session;
}

/** Loads a console page and returns its CSRF token, for a form post that follows. */
export async function formToken(session: HttpSession, path: string): Promise<string> {
  const res = await session.get(path);
  return csrfTokenIn(await res.text());
}
