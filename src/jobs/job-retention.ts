// Export files and the staged rows of imports hold personal data. Once their job has been
// over for `days`, they are deleted; the job itself stays (who, when, how many) and its page
// says the data is gone. Run by the periodic sweeper in any process; idempotent.
import { type Db } from '../db/database.js';
import { createJobRetentionRepository } from './job-retention.repository.js';

export function jobDataSweeper(db: Db, days: number): () => Promise<number> {
  const retention = createJobRetentionRepository(db);
  return async function sweepJobData(): Promise<number> {
    const exports = await retention.removeExportFiles(days);
    const imports = await retention.removeImportRows(days);
    return exports + imports;
  };
}
