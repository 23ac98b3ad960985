// The benchmarks' knobs. The only reader of process.env under bench/, like src/config/
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

type Env = Record<string, string | undefined>;

/** Readers of the environment that collect every problem, so all are reported at once. */
function reader(env: Env) {
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
    if (value !== undefined && !/^postgres(ql)?:\/\//.test(value)) {
      problems.push(`${name} must start with postgres:// or postgresql://`);
    }
    return value;
  };
  const databases = () => {
    const databaseUrl = url('DATABASE_URL');
    const adminDatabaseUrl = url('BENCH_ADMIN_DATABASE_URL');
    if (databaseUrl && adminDatabaseUrl) problems.push('Set DATABASE_URL or BENCH_ADMIN_DATABASE_URL, not both');
    return { databaseUrl, adminDatabaseUrl };
  };
  const done = () => {
    if (problems.length) {
      throw new BenchSettingsError(`Invalid benchmark settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  };
  return { str, num, databases, done };
}

export function loadBenchSettings(env: Env = process.env): BenchSettings {
  const { str, num, databases, done } = reader(env);
  const settings: BenchSettings = {
    seconds: num('BENCH_SECONDS', 5, 0.5, 600, false),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', 1, 0, 60, false),
    rounds: num('BENCH_ROUNDS', 1, 1, 20),
    concurrency: num('BENCH_CONCURRENCY', 64, 1, 1024),
    bcryptCost: num('BENCH_BCRYPT_COST', 12, 4, 31),
    signInSeconds: num('BENCH_SIGNIN_SECONDS', 10, 1, 600, false),
    signInConcurrency: num('BENCH_SIGNIN_CONCURRENCY', os.availableParallelism(), 1, 256),
    ...databases(),
    cpuProfileDir: str('BENCH_CPU_PROF'),
  };
  done();
  return settings;
}

/** The knobs of `npm run bench:admin` (bench/admin.bench.ts). */
export interface AdminBenchSettings {
  /** Users the directory holds while the list is measured; the bench seeds what is missing. */
  users: number;
  /** Organizations made when the bench seeds. */
  organizations: number;
  /** Measured requests per scenario, one at a time. */
  requests: number;
  /** Unmeasured requests per scenario before them. */
  warmupRequests: number;
  /** The list page's p95 target, in milliseconds. */
  targetP95Ms: number;
  databaseUrl: string | undefined;
  adminDatabaseUrl: string | undefined;
  cpuProfileDir: string | undefined;
}

export function loadAdminBenchSettings(env: Env = process.env): AdminBenchSettings {
  const { str, num, databases, done } = reader(env);
  const settings: AdminBenchSettings = {
    users: num('BENCH_ADMIN_USERS', 1_000_000, 10_000, 10_000_000),
    organizations: num('BENCH_ADMIN_ORGANIZATIONS', 20, 1, 10_000),
    requests: num('BENCH_ADMIN_REQUESTS', 200, 20, 100_000),
    warmupRequests: num('BENCH_ADMIN_WARMUP_REQUESTS', 20, 0, 10_000),
    targetP95Ms: num('BENCH_ADMIN_TARGET_P95_MS', 100, 1, 60_000, false),
    ...databases(),
    cpuProfileDir: str('BENCH_CPU_PROF'),
  };
  done();
  return settings;
}
