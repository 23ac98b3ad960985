// Messages between the bench (parent, load generator) and a server process (child).
// Servers run in their own process so the load generator does not share their event loop.
import type { Measurement } from './measure.js';

/** What a server process tells the bench once it listens and has its test data. */
export interface ServerInfo {
  origin: string;
  /** A client allowed the client_credentials grant. */
  clientId: string;
  clientSecret: string;
  /** A user access token with scope "openid profile", for userinfo. */
  accessToken: string;
}

export interface ServerStats {
  /** User + system CPU time of the server process, in microseconds. */
  cpuMicros: number;
  /** SQL statements sent to PostgreSQL so far (Foyer only). */
  queries?: number;
}

export interface SignInRequest {
  seconds: number;
  concurrency: number;
  rounds: number;
}

export interface SignInResult {
  foyer: Measurement;
  bcrypt: Measurement;
}

export interface ServerCommands {
  stats: { args: undefined; result: ServerStats };
  signIn: { args: SignInRequest; result: SignInResult };
  stop: { args: undefined; result: undefined };
}

export type CommandName = keyof ServerCommands;

export type ParentMessage = { id: number; command: CommandName; args: unknown };

export type ChildMessage =
  | { type: 'ready'; info: ServerInfo }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

export type CommandHandlers = {
  [C in CommandName]?: (args: ServerCommands[C]['args']) => Promise<ServerCommands[C]['result']>;
};

function send(message: ChildMessage, then?: () => void): void {
  process.send?.(message, undefined, undefined, then);
}

/** Child side: announce readiness (or failure) and answer the parent's commands. */
export async function serveParent(start: () => Promise<{ info: ServerInfo;
  handlers: CommandHandlers; }>): Promise<void> {
  // The parent decides when to stop; Ctrl-C reaches the whole process group.
  process.on('SIGINT', () => undefined);
  process.on('disconnect', () => process.exit(0));
  let started;
  try {
    started = await start();
  } catch (err) {
    send({ type: 'failed', error: err instanceof Error ? err.stack ?? err.message : String(err) },
      () => process.exit(1));
    return;
  }
  const { info, handlers } = started;
  process.on('message', async ({ id, command, args }: ParentMessage) => {
    try {
      const handler = handlers[command] as ((a: unknown) => Promise<unknown>) | undefined;
      if (!handler) throw new Error(`unknown command ${command}`);
      const result = await handler(args);
      // After stop, exit once the reply is on its way: nothing is left to clean up.
      send({ type: 'reply', id, result }, command === 'stop' ? () => process.exit(0) : undefined);
    } catch (err) {
      send({ type: 'reply', id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  send({ type: 'ready', info });
}

/** CPU time of this process, for the stats command. */
export function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
