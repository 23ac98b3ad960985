// Measure (c): Foyer's password sign-in next to the bcrypt.compare it is built on, at the
// same cost, same concurrency, in the same process. Alternating rounds spread any drift
// of the machine (other load, CPU clock) over both sides.
import bcrypt from 'bcrypt';
import type { UserService } from '../src/users/user.service.js';
import { combine, measure, type Measurement } from './measure.js';
import type { SignInRequest, SignInResult } from './protocol.js';

export interface SignInSubject {
  users: UserService;
  login: string;
  password: string;
  /** The stored hash of that user, for the raw compare. */
  passwordHash: string;
}

export async function compareSignIn({ users, login, password, passwordHash }: SignInSubject,
  request: SignInRequest): Promise<SignInResult> {
  async function foyerSignIn(): Promise<void> {
    const result = await users.signIn(login, password);
    if (result.outcome !== 'ok') throw new Error(`sign-in refused: ${result.outcome}`);
  }
  async function rawCompare(): Promise<void> {
    if (!(await bcrypt.compare(password, passwordHash))) throw new Error('bcrypt.compare returned false');
  }

  // One call each first: the first sign-in builds TypeORM's query metadata and the
  // hasher's dummy hash, which is start-up cost, not per-sign-in cost.
  await foyerSignIn();
  await rawCompare();

  const round = { concurrency: request.concurrency, seconds: request.seconds / request.rounds, warmupSeconds: 0 };
  const foyer: Measurement[] = [];
  const raw: Measurement[] = [];
  for (let i = 0; i < request.rounds; i += 1) {
    raw.push(await measure(rawCompare, round));
    foyer.push(await measure(foyerSignIn, round));
  }
  return { foyer: combine(foyer), bcrypt: combine(raw) };
}
