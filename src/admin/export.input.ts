// The export form's query: which file to make for whom. A spreadsheet needs the UTF-8
// byte-order mark to read Петр and Seán as written; a script may want plain UTF-8. Anything
// else (an old link without the field, a mangled value) gets the spreadsheet's file.
import { z } from 'zod';

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);

const EXPORT_ENCODINGS = ['spreadsheet', 'plain'] as const;
type ExportEncoding = (typeof EXPORT_ENCODINGS)[number];

const exportQuery = z.object({
  encoding: z.preprocess(first, z.enum(EXPORT_ENCODINGS).catch('spreadsheet').default('spreadsheet')),
});

/** Whether the file starts with a byte-order mark. */
export function parseExportEncoding(query: Record<string, unknown>): { encoding: ExportEncoding; bom: boolean } {
  const { encoding } = exportQuery.parse(query);
  return { encoding, bom: encoding === 'spreadsheet' };
}
