// Reads an uploaded CSV as it arrives: bytes must be UTF-8 (checked strictly: a file saved
// in another encoding would otherwise import mangled names), a byte-order mark is dropped,
// quoted cells may hold commas and line breaks. csv-parse does the CSV grammar, which has
// enough corner cases (quotes, CRLF, BOM) not to write by hand.
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ValidationError } from '../platform/errors.js';

/** The longest record we accept; a runaway quote would otherwise swallow the file into one cell. */
const MAX_RECORD_BYTES = 1_000_000;

function strictUtf8(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _encoding, done) {
      try {
        done(null, decoder.decode(chunk, { stream: true }));
      } catch {
        done(new ValidationError({ file: 'The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" '
          + 'and upload it again' }));
      }
    },
    flush(done) {
      try {
        done(null, decoder.decode());
      } catch {
        done(new ValidationError({ file: 'The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" '
          + 'and upload it again' }));
      }
    },
  });
}

/**
 * The CSV export writes `'` before a cell that a spreadsheet would run as a formula (and so
 * before every +phone number); reading takes it off again, so an export imports as it was.
 */
export function undefuse(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** The records of the file, header first, each with its record number (the header is 1). */
export async function* readCsv(bytes: Readable): AsyncGenerator<{ rowNo: number; cells: string[] }> {
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true,
    max_record_size: MAX_RECORD_BYTES });
  const decoded = bytes.pipe(strictUtf8());
  let failure: unknown;
  decoded.on('error', (err) => {
    failure = err;
    parser.destroy(err);
  });
  bytes.on('error', (err) => decoded.destroy(err));
  decoded.pipe(parser);
  let rowNo = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNo += 1;
      yield { rowNo, cells: record.map(undefuse) };
    }
  } catch (err) {
    if (failure instanceof ValidationError) throw failure;
    if (err instanceof ValidationError) throw err;
    const reason = (err as { code?: string; message?: string }).code === 'CSV_MAX_RECORD_SIZE'
      ? 'a row is longer than 1 MB (is a quote left open?)' : (err as Error).message;
    throw new ValidationError({ file: `The file could not be read as CSV after row ${rowNo}: ${reason}` });
  }
}
