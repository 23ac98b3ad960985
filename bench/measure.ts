// Runs one async operation from a fixed number of concurrent loops for a fixed time and
// reports its throughput. Used alike for HTTP requests and for password checks, so every
// figure in the report is measured the same way.
import { performance } from 'node:perf_hooks';

export interface MeasureOptions {
  concurrency: number;
  seconds: number;
  warmupSeconds: number;
}

export interface Measurement {
  /** Operations that succeeded in the measured window. */
  ops: number;
  errors: number;
  /** Operations (ok or not) run during the warm-up, for per-operation server counters. */
  warmupOps: number;
  /** From the start of the window until the last in-flight operation finished. */
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  firstError?: string;
}

interface Run {
  ok: number;
  errors: number;
  durations: number[];
  firstError?: string;
}

/** Each loop starts operations until the deadline; operations already started finish. */
async function runLoops(op: () => Promise<void>, concurrency: number, deadline: number, run: Run): Promise<void> {
  async function loop(): Promise<void> {
    while (performance.now() < deadline) {
      const started = performance.now();
      try {
        await op();
        run.durations.push(performance.now() - started);
        run.ok += 1;
      } catch (err) {
        run.errors += 1;
        run.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
}

/** The p-th percentile of ascending durations (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function measure(op: () => Promise<void>,
  { concurrency, seconds, warmupSeconds }: MeasureOptions): Promise<Measurement> {
  const warmup: Run = { ok: 0, errors: 0, durations: [] };
  if (warmupSeconds > 0) await runLoops(op, concurrency, performance.now() + warmupSeconds * 1000, warmup);

  const run: Run = { ok: 0, errors: 0, durations: [] };
  const start = performance.now();
  await runLoops(op, concurrency, start + seconds * 1000, run);
  // Counting whole operations over the time they really took (not cutting at the deadline)
  // keeps slow operations such as bcrypt from being under- or over-counted.
  const elapsed = (performance.now() - start) / 1000;
  const sorted = run.durations.sort((a, b) => a - b);
  return {
    ops: run.ok,
    errors: run.errors,
    warmupOps: warmup.ok + warmup.errors,
    seconds: elapsed,
    perSecond: run.ok / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    firstError: run.firstError ?? warmup.firstError,
  };
}

/** Adds up measurements of the same operation taken in several rounds. */
export function combine(parts: Measurement[]): Measurement {
  const sum = (pick: (m: Measurement) => number) => parts.reduce((total, m) => total + pick(m), 0);
  const ops = sum((m) => m.ops);
  const seconds = sum((m) => m.seconds);
  // Percentiles of the rounds cannot be merged exactly; the worst round is the honest one.
  return {
    ops, seconds, perSecond: ops / seconds,
    errors: sum((m) => m.errors),
    warmupOps: sum((m) => m.warmupOps),
    p50Ms: Math.max(...parts.map((m) => m.p50Ms)),
    p99Ms: Math.max(...parts.map((m) => m.p99Ms)),
    firstError: parts.find((m) => m.firstError)?.firstError,
  };
}
