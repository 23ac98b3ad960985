// Ctrl-C during a benchmark stops the servers and the embedded PostgreSQL it started instead of
// leaving them running; at the normal end the same clean-up runs, unless Ctrl-C already ran it.
export function cleanUpOnInterrupt(cleanUp: () => Promise<void>): () => Promise<void> {
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    console.error('\ninterrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  });
  return async () => {
    if (!interrupted) await cleanUp();
  };
}
