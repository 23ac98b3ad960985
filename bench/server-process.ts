// Parent side of protocol.ts: forks a server script under tsx and talks to it.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, CommandName, ServerCommands, ServerInfo } from './protocol.js';

export interface ServerProcess {
  name: string;
  info: ServerInfo;
  call<C extends CommandName>(command: C, args?: ServerCommands[C]['args']): Promise<ServerCommands[C]['result']>;
  stop(): Promise<void>;
}

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * node-oidc-provider prints start-up advice (Node version, the in-memory adapter, default
 * TTLs) that says nothing about the figures; everything else a server prints gets through.
 */
function relay(from: Readable | null, to: Writable): void {
  if (!from) return;
  readline.createInterface({ input: from }).on('line', (line) => {
    if (!/^oidc-provider (WARNING|NOTICE):/.test(line)) to.write(`${line}\n`);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `script` (a file in bench/) with `options` as its JSON argument and waits until it
 * reports ready. `cpuProfileDir` makes V8 write CPU profiles of the process on exit.
 */
export async function startServerProcess(name: string, script: string, options: unknown,
  cpuProfileDir?: string): Promise<ServerProcess> {
  // One folder per server: V8 writes a profile per thread (tsx's loader runs in a worker).
  const profile = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfileDir, name)}`] : [];
  const child = fork(path.join(BENCH_DIR, script), [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx', ...profile],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') resolve(message.info);
      else if (message.type === 'failed') reject(new Error(`${name} server failed to start:\n${message.error}`));
      else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`${name} server: ${message.error}`));
        else waiter?.resolve(message.result);
      }
    });
    child.once('exit', (code, signal) => {
      const error = new Error(`${name} server exited (${signal ?? `code ${code}`})`);
      reject(error);
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    });
  });

  const call: ServerProcess['call'] = (command, args) => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, command, args });
    });
  };
  return {
    name,
    info,
    call,
    async stop() {
      if (child.connected) await call('stop').catch(() => undefined);
      // A server that does not stop within 10 s is killed; the bench must always end.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
