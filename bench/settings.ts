// The benchmark's knobs. The only reader of process.env under bench/, like src/config/
// is for the server: every bad value is reported at once.
import os from 'node:os';

export interface BenchSettings {
  /** Measured seconds per HTTP scenario, after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Times each HTTP scenario runs (Foyer and baseline in turn); figures cover all rounds. */
  rounds: number;
  /** Requests in flight at once, the same for Foyer and the baseline. */
  concurrency: number;
  bcryptCost: number;
  /** Measured seconds per side (Foyer sign-in, raw bcrypt), split over alternating rounds. */
  signInSeconds: number;
  signInConcurrency: number;
  /** A migratable database Foyer may fill with benchmark rows. */
  databaseUrl: string | undefined;
  /** A server where the bench may drop and create its own database (foyer_bench). */
  adminDatabaseUrl: string | undefined;
  /** Where the server processes write V8 CPU profiles (--cpu-prof), if set. */
  cpuProfileDir: string | undefined;
}

export class BenchSettingsError extends Error {
  override name = 'BenchSettingsError';
}

export function loadBenchSettings(env: Record<string, string | undefined> = process.env): BenchSettings {
  const problems: string[] = [];
  const str = (name: string) => (env[name]?.trim() ? env[name]!.trim() : undefined);
  const num = (name: string, fallback: number, min: number, max: number, integer = true): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      problems.push(`${name} must be a ${integer ? 'whole ' : ''}number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string) => {
    const value = str(name);
    if (value !== undefined && !/^postgres(ql)?:\/\//.test(value)) problems.push(`${name} must start with postgres:// or postgresql://`);
    return value;
  };

  const settings: BenchSettings = {
    seconds: num('BENCH_SECONDS', 5, 0.5, 600, false),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', 1, 0, 60, false),
    rounds: num('BENCH_ROUNDS', 1, 1, 20),
    concurrency: num('BENCH_CONCURRENCY', 64, 1, 1024),
    bcryptCost: num('BENCH_BCRYPT_COST', 12, 4, 31),
    signInSeconds: num('BENCH_SIGNIN_SECONDS', 10, 1, 600, false),
    signInConcurrency: num('BENCH_SIGNIN_CONCURRENCY', os.availableParallelism(), 1, 256),
    databaseUrl: url('DATABASE_URL'),
    adminDatabaseUrl: url('BENCH_ADMIN_DATABASE_URL'),
    cpuProfileDir: str('BENCH_CPU_PROF'),
  };
  if (settings.databaseUrl && settings.adminDatabaseUrl) problems.push('Set DATABASE_URL or BENCH_ADMIN_DATABASE_URL, not both');
  if (problems.length) throw new BenchSettingsError(`Invalid benchmark settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return settings;
}
