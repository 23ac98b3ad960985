// For what another process (or a LISTEN connection) learns shortly after: polls until true.
export async function eventually(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  for (const started = Date.now(); Date.now() - started < ms;) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}
