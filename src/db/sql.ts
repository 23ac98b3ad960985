import DataLoader from 'dataloader';

/**
 * Groups the calls made during one turn of the event loop into one statement (a
 * DataLoader without its cache). Under load, concurrent requests then share a round trip
 * to PostgreSQL instead of paying one each; alone, a call waits at most that one turn.
 * Nothing is remembered between batches, so every call sees the database as it is.
 */
export function batched<K, V>(load: (keys: readonly K[]) => Promise<(V | Error)[]>): (key: K) => Promise<V> {
  const loader = new DataLoader<K, V>(load,
    { cache: false, batchScheduleFn: (run) => setImmediate(run), maxBatchSize: 500 });
  return (key) => loader.load(key);
}
