// Headless Debian Chromium through playwright-core (no browser downloads).
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Types into the real sign-in page and submits it. */
export async function submitLogin(page: Page, identifier: string, password: string): Promise<void> {
  await page.getByLabel('Login, email or phone number').fill(identifier);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A new page signed in to the console as `login`, on the users list. */
export async function consolePage(browser: Browser, issuer: string, login: string, password: string,
  options: BrowserContextOptions = {}): Promise<Page> {
  const page = await (await browser.newContext(options)).newPage();
  await page.goto(`${issuer}/admin/users`);
  await submitLogin(page, login, password);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  return page;
}

/**
 * Gives every test of the file a page in a context of its own (no cookie leaks between tests),
 * closed after the test.
 */
export function freshPageForEachTest(browser: () => Browser, use: (page: Page) => void): void {
  let context: BrowserContext | undefined;
  beforeEach(async () => {
    context = await browser().newContext();
    use(await context.newPage());
  });
  afterEach(async () => {
    await context?.close();
  });
}
