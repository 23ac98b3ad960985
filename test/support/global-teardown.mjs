import fs from 'node:fs/promises';

export default async function globalTeardown() {
  const embedded = globalThis.__FOYER_EMBEDDED__;
  if (!embedded) return;
  await embedded.pg.stop();
  await fs.rm(embedded.dir, { recursive: true, force: true });
}
