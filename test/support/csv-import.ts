// Driving the console's CSV import over HTTP: upload a file as the form does, wait for the
// worker's dry run, confirm, wait for the result. Reads the job's state from its page and
// from the database as the test needs.
import type { HttpSession } from './http-session.js';
import { formToken } from './console-session.js';
import type { TestServer } from './server.js';

/** A small RFC 4180 reader, enough for checking what a CSV download holds. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i
        + 1] === '"') { cell += '"'; i += 1; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r'
      && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; } else cell += ch;
  }
  return rows;
}

export async function uploadCsv(session: HttpSession, csv: string | Uint8Array, mode: string,
  fileName = 'users.csv'): Promise<Response> {
  // A multipart form carries its token in the action URL (the CSRF check runs before the body is read).
  const html = await (await session.get('/admin/users/import')).text();
  const token = decodeURIComponent(/action="\/admin\/users\/import\?_csrf=([^"]+)"/.exec(html)![1]);
  const form = new FormData();
  form.append('mode', mode);
  form.append('file', new Blob([csv], { type: 'text/csv' }), fileName);
  return session.post(`/admin/users/import?_csrf=${encodeURIComponent(token)}`, form);
}

export async function jobState(server: TestServer,
  id: string): Promise<{ status: string; summary: Record<string, unknown>; analyzed: number; applied: number;
    total: number; }> {
  const [row] = await server.db.dataSource.query('SELECT status, summary, analyzed, applied, total FROM import_jobs '
    + 'WHERE id = $1', [id]);
  return row;
}

/** Wakes the worker until the job leaves the given working states. */
export async function settle(server: TestServer, id: string, working: string[]): Promise<string> {
  for (let i = 0; i < 600; i += 1) {
    await server.foyer.importWorker.wake();
    const { status } = await jobState(server, id);
    if (!working.includes(status)) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not settle`);
}

/** Uploads, waits for the dry run; returns the job id and its page. */
export async function dryRun(server: TestServer, session: HttpSession, csv: string | Uint8Array,
  mode: string): Promise<{ id: string; page: string }> {
  const res = await uploadCsv(session, csv, mode);
  if (res.status !== 303) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 2000)}`);
  const id = /\/admin\/imports\/(\d+)$/.exec(res.headers.get('location')!)![1];
  expect(await settle(server, id, ['uploading', 'analyzing'])).toBe('ready');
  return { id, page: await (await session.get(`/admin/imports/${id}`)).text() };
}

export async function confirmImport(server: TestServer, session: HttpSession, id: string): Promise<string> {
  const token = await formToken(session, `/admin/imports/${id}`);
  const res = await session.postForm(`/admin/imports/${id}/confirm`, { _csrf: token });
  if (res.status !== 303) throw new Error(`confirm answered ${res.status}`);
  expect(await settle(server, id, ['queued', 'running'])).toBe('finished');
  return (await session.get(`/admin/imports/${id}`)).text();
}
