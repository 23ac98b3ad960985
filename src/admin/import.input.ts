// The import page's query: which rows to show and the row number to page after (an
// integer column). What cannot be one falls back to the first page of the default view.
import { z } from 'zod';
import { INT4_MAX } from '../platform/http/input.js';
import type { ImportRowFilter } from '../provisioning/import-rows.repository.js';

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
const FILTERS = ['all', 'create', 'update', 'unchanged', 'error',
  'failed'] as const satisfies readonly ImportRowFilter[];

const importPageQuery = z.object({
  show: z.preprocess(first, z.enum(FILTERS).optional().catch(undefined)),
  after: z.preprocess(first,
    z.string().regex(/^[0-9]{1,10}$/).transform(Number).refine((n) => n <= INT4_MAX).catch(0).default(0)),
});

export function parseImportPageQuery(query: Record<string, unknown>): { show?: ImportRowFilter; after: number } {
  return importPageQuery.parse(query);
}
