// SQL for the staged rows of CSV imports: written in batches as the file is read, planned by
// the dry run, then marked with what applying them did. Set-based statements throughout.
import { type Db } from '../db/database.js';
import { csvCell } from './user-csv-export.js';
import { HASHED_PASSWORD_CELL, type CellError, type Cells } from './user-import-row.js';
import type { StagedRow } from './user-import.plan.js';
import type { RowOutcome } from './user-import.service.js';

export interface ImportRowView {
  rowNo: number; cells: Cells; action: string | null; changes: string[] | null; errors: CellError[];
  userId: string | null; outcome: string | null; outcomeErrors: CellError[] | null;
}

/** A staged row and what the dry run said of it (action null: not planned yet). */
export interface PlannedRow extends StagedRow { action: string | null; planErrors: CellError[] }

/** Which rows a page lists. */
export type ImportRowFilter = 'all' | 'create' | 'update' | 'unchanged' | 'error' | 'failed';

const SECRET_CELLS = ['password', 'password_hash', HASHED_PASSWORD_CELL];
const BATCH = 1000;

export function createImportRowStore(db: Db) {
  return {
    /** Fresh statistics once a file is staged, so the batch reads use the primary key at once. */
    async analyze(tx?: Db): Promise<void> {
      await (tx ?? db).query('ANALYZE import_rows');
    },

    async stage(jobId: string, rows: { rowNo: number; cells: Cells; errors: CellError[] }[], tx?: Db): Promise<void> {
      if (!rows.length) return;
      await (tx ?? db).query(
        `INSERT INTO import_rows (job_id, row_no, cells, read_errors)
         SELECT $1, r.row_no, r.cells, r.errors
         FROM jsonb_to_recordset($2::jsonb) AS r(row_no int, cells jsonb, errors jsonb)`,
        [jobId, JSON.stringify(rows.map((r) => ({ row_no: r.rowNo, cells: r.cells, errors: r.errors })))]);
    },

    /**
     * The staged rows in file order, a batch at a time, with the dry run's verdict; `pendingOnly`:
     * those not applied yet.
     */
    async *batches(jobId: string, { pendingOnly = false } = {}, tx?: Db): AsyncGenerator<PlannedRow[]> {
      let after = 0;
      for (;;) {
        const { rows } = await (tx ?? db).query<PlannedRow>(
          `SELECT row_no AS "rowNo", cells, read_errors AS errors, action, errors AS "planErrors" FROM import_rows
           WHERE job_id = $1 AND row_no > $2 ${pendingOnly ? 'AND outcome IS NULL' : ''}
           ORDER BY row_no LIMIT ${BATCH}`, [jobId, after]);
        if (!rows.length) return;
        yield rows;
        after = rows[rows.length - 1].rowNo;
      }
    },

    async recordPlans(jobId: string,
      plans: { rowNo: number; action: string; changes: string[]; errors: CellError[]; userId: string | null;
        cells: Cells; }[], tx?: Db): Promise<void> {
      await (tx ?? db).query(
        `UPDATE import_rows r SET action = p.action, changes = p.changes, errors = p.errors,
           user_id = p.user_id::bigint, cells = p.cells
         FROM jsonb_to_recordset($2::jsonb)
           AS p(row_no int, action text, changes jsonb, errors jsonb, user_id text, cells jsonb)
         WHERE r.job_id = $1 AND r.row_no = p.row_no`,
        [jobId, JSON.stringify(plans.map((p) => ({ row_no: p.rowNo, action: p.action, changes: p.changes,
          errors: p.errors, user_id: p.userId, cells: p.cells })))]);
    },

    async recordOutcomes(jobId: string, outcomes: RowOutcome[], tx?: Db): Promise<void> {
      if (!outcomes.length) return;
      await (tx ?? db).query(
        `UPDATE import_rows r SET outcome = o.outcome, outcome_errors = o.errors,
           user_id = coalesce(o.user_id::bigint, r.user_id)
         FROM jsonb_to_recordset($2::jsonb) AS o(row_no int, outcome text, errors jsonb, user_id text)
         WHERE r.job_id = $1 AND r.row_no = o.row_no`,
        [jobId, JSON.stringify(outcomes.map((o) => ({ row_no: o.rowNo, outcome: o.outcome, errors: o.errors,
          user_id: o.userId ?? null })))]);
    },

    async countBy(jobId: string, column: 'action' | 'outcome', tx?: Db): Promise<Record<string, number>> {
      const { rows } = await (tx ?? db).query<{ key: string; n: number }>(
        `SELECT ${column} AS key, count(*)::int AS n FROM import_rows WHERE job_id = $1 AND ${column} IS NOT NULL `
          + `GROUP BY ${column}`, [jobId]);
      return Object.fromEntries(rows.map((r) => [r.key, r.n]));
    },

    /** Once the import is over, nothing secret stays in the staging table. */
    async forgetPasswords(jobId: string, tx?: Db): Promise<void> {
      await (tx
        ?? db).query(`UPDATE import_rows SET cells = cells - $2::text[] WHERE job_id = $1 AND cells ?| $2::text[]`,
        [jobId, SECRET_CELLS]);
    },

    /** Drops all the staged rows of a job (and any passwords in them). */
    async removeAll(jobId: string, tx?: Db): Promise<void> {
      await (tx ?? db).query('DELETE FROM import_rows WHERE job_id = $1', [jobId]);
    },

    /** A page of rows for the dry run and results pages. */
    async page(jobId: string, filter: ImportRowFilter, after: number, limit: number,
      tx?: Db): Promise<ImportRowView[]> {
      const where = filter === 'all' ? '' : filter === 'failed' ? "AND outcome = 'failed'" : 'AND action = $4';
      const values: unknown[] = [jobId, after, limit];
      if (where.includes('$4')) values.push(filter);
      const { rows } = await (tx ?? db).query<ImportRowView>(
        `SELECT row_no AS "rowNo", cells, action, changes, errors, user_id::text AS "userId", outcome,
                outcome_errors AS "outcomeErrors"
         FROM import_rows WHERE job_id = $1 AND row_no > $2 ${where} ORDER BY row_no LIMIT $3`, values);
      return rows;
    },

    /**
     * The rows that failed (or, before applying, that the dry run refused) as a CSV with the
     * file's own columns, so they can be fixed and uploaded again, plus the row number and its
     * errors. Passwords are never written out.
     */
    async *errorsCsv(jobId: string, header: string[], applied: boolean, tx?: Db): AsyncGenerator<string> {
      const columns = header.filter((h) => !SECRET_CELLS.includes(h) && h !== 'import_row' && h !== 'import_errors');
      yield `${[...columns, 'import_row', 'import_errors'].map(csvCell).join(',')}\r\n`;
      let after = 0;
      for (;;) {
        const { rows } = await (tx ?? db).query<{ rowNo: number; cells: Cells; errors: CellError[] }>(
          `SELECT row_no AS "rowNo", cells, ${applied ? 'outcome_errors' : 'errors'} AS errors FROM import_rows
           WHERE job_id = $1 AND row_no > $2 AND ${applied ? "outcome = 'failed'" : "action = 'error'"}
           ORDER BY row_no LIMIT ${BATCH}`, [jobId, after]);
        if (!rows.length) return;
        let chunk = '';
        for (const row of rows) {
          const errors = (row.errors ?? []).map((e) => (e.column ? `${e.column}: ${e.message}` : e.message)).join('; ');
          chunk += `${[...columns.map((c) => row.cells[c] ?? ''), String(row.rowNo), errors]
            .map(csvCell).join(',')}\r\n`;
        }
        yield chunk;
        after = rows[rows.length - 1].rowNo;
      }
    },
  };
}

export type ImportRowStore = ReturnType<typeof createImportRowStore>;
