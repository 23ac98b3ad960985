// Foyer as operators run it: `npm start` and `npm run cli` as real child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The environment for a child: ours without DATABASE_URL unless given, plus `env`. */
function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', BCRYPT_COST: '4' };
  delete base.DATABASE_URL;
  delete base.PORT;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: <T = Record<string, unknown>>() => T;
}

/** `input`, when given, is piped to the command's stdin (as `echo … | npm run cli -- …` would). */
export function runCli(args: string[], env: Record<string, string | undefined>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'cli', '--', ...args],
      { cwd: ROOT, env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    // Closed at once when there is no input: the command reads an empty stdin, as from /dev/null.
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
  });
}

export interface FoyerProcess {
  issuer: string;
  output: () => string;
  /** Signals the whole process group and resolves once every process in it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Runs `npm start` and waits until it says it is serving. */
export function startFoyerProcess(env: Record<string, string | undefined>, timeoutMs = 90_000): Promise<FoyerProcess> {
  return new Promise((resolve, reject) => {
    // Its own process group: signals go to the whole group, as Ctrl-C in a terminal does.
    const child: ChildProcess = spawn('npm', ['start', '--silent'],
      { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let serving = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`npm start did not serve in time:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const match = /Foyer is serving as (\S+)[^]*?\n\n/.exec(out);
      if (match && !serving) {
        serving = true;
        clearTimeout(timer);
        resolve({
          issuer: match[1],
          output: () => out,
          async stop(signal = 'SIGTERM') {
            const group = -child.pid!;
            const alive = () => {
              try {
                process.kill(group, 0);
                return true;
              } catch {
                return false;
              }
            };
            if (alive()) process.kill(group, signal);
            // npm itself may die of the signal; what matters is that Foyer under it finished.
            for (let waited = 0; alive() && waited < 30_000; waited += 100) {
              await new Promise((r) => setTimeout(r, 100));
            }
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    void exited.then((code) => {
      clearTimeout(timer);
      if (!serving) reject(new Error(`npm start exited with ${code}:\n${out}`));
    });
  });
}

/** A port nothing listens on now, for a Foyer process of its own. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
