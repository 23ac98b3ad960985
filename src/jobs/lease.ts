// Leases on claimed work. A worker claims rows by stamping claimed_at; any process may claim
// a row whose stamp is older than the lease, so the work of a process that died is taken up
// once its lease runs out. A live worker renews the stamp every third of the lease while it
// works (a heartbeat), so a batch that runs longer than the lease is never handed out twice,
// and the lease itself can stay short (default 45 s, FOYER_JOB_LEASE_SECONDS).

export interface Lease {
  seconds: number;
}

export const DEFAULT_LEASE: Lease = { seconds: 45 };

/** The SQL interval of a lease, for `claimed_at < now() - …` (a whole number of seconds, never user input). */
export function leaseInterval(lease: Lease): string {
  return `interval '${Math.max(1, Math.floor(lease.seconds))} seconds'`;
}

/**
 * Runs `work` while renewing its claim with `renew` every third of the lease. A renewal that
 * fails (database briefly away) is simply tried again at the next beat: the work itself then
 * fails or finishes, and the lease covers the gap.
 */
export async function whileLeased<T>(lease: Lease, renew: () => Promise<unknown>, work: () => Promise<T>): Promise<T> {
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    renew().catch(() => undefined).finally(() => (beating = false));
  }, Math.max(200, (lease.seconds * 1000) / 3));
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
