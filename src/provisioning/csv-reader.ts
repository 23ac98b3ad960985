// Reads an uploaded CSV as it arrives: bytes must be UTF-8 (checked strictly: a file saved
// in another encoding would otherwise import mangled names), a byte-order mark is dropped,
// quoted cells may hold commas and line breaks. The separator is the one the first line
// uses: a comma, or a semicolon as spreadsheets write CSV in many locales (where the comma is
// the decimal mark). csv-parse does the CSV grammar, which has enough corner cases (quotes,
// CRLF, BOM) not to write by hand; what it refuses is said here in plain words.
import { once } from 'node:events';
import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { ValidationError } from '../platform/errors.js';

/** The longest record we accept; a runaway quote would otherwise swallow the file into one cell. */
const MAX_RECORD_BYTES = 1_000_000;

export type CsvDelimiter = ',' | ';';

const NOT_UTF8 = 'The file is not UTF-8 text. Save it from your spreadsheet as "CSV UTF-8" and upload it again';

function strictUtf8(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return new Transform({
    readableObjectMode: false,
    transform(chunk: Buffer, _encoding, done) {
      try {
        done(null, decoder.decode(chunk, { stream: true }));
      } catch {
        done(new ValidationError({ file: NOT_UTF8 }));
      }
    },
    flush(done) {
      try {
        done(null, decoder.decode());
      } catch {
        done(new ValidationError({ file: NOT_UTF8 }));
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

/** The first record of `text` (up to its first line break outside quotes), or undefined while it is incomplete. */
function firstRecord(text: string, complete: boolean): string | undefined {
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return text.slice(0, i);
  }
  return complete ? text : undefined;
}

const fail = (message: string) => new ValidationError({ file: message });

/** Which separator the header line uses; a line that mixes them, or uses another one, is refused in plain words. */
function delimiterOf(headerLine: string): CsvDelimiter {
  const counts: Record<string, number> = { ',': 0, ';': 0, '\t': 0, '|': 0 };
  let quoted = false;
  for (const ch of headerLine.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch in counts) counts[ch] += 1;
  }
  if (counts[','] && counts[';']) {
    throw fail('The first line separates its column names with both commas (,) and semicolons (;). Use one '
      + 'separator throughout the file: commas, or semicolons as spreadsheets write them in many languages');
  }
  if (counts[';']) return ';';
  if (counts[',']) return ',';
  if (counts['\t']) {
    throw fail('The columns of this file are separated by tabs. Save it from your spreadsheet as "CSV UTF-8" '
      + '(comma- or semicolon-separated) and upload it again');
  }
  if (counts['|']) {
    throw fail('The columns of this file are separated by vertical bars (|). Separate them with commas or '
      + 'semicolons, as a spreadsheet saving "CSV UTF-8" does');
  }
  return ',';
}

const SEPARATOR_NAMES: Record<CsvDelimiter, string> = { ',': 'commas (,)', ';': 'semicolons (;)' };
const QUOTES_HINT = 'put the whole cell in double quotes and write each double quote inside it twice ("")';

/** csv-parse's refusal as a sentence for the person who made the file. */
function plainWords(err: unknown, delimiter: CsvDelimiter, rowNo: number): string {
  const { code, message, lines } = err as { code?: string; message?: string; lines?: number };
  const where = `line ${lines ?? rowNo + 1}`;
  const other: CsvDelimiter = delimiter === ',' ? ';' : ',';
  switch (code) {
    case 'CSV_MAX_RECORD_SIZE':
      return `The file could not be read as CSV after row ${rowNo}: a row is longer than 1 MB (is a quote left open?)`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return `The file could not be read as CSV: a double quote (") opened after row ${rowNo} is never closed, so `
        + `the rest of the file would be one cell. Close the quote, or ${QUOTES_HINT}`;
    case 'CSV_INVALID_CLOSING_QUOTE': {
      const got = /got "([^"]*)"/.exec(message ?? '')?.[1];
      if (got === other) {
        return `The file could not be read as CSV at ${where}: a quoted cell is followed by "${other}", but this `
          + `file separates its cells with ${SEPARATOR_NAMES[delimiter]}, as its first line does. Use the same `
          + 'separator on every line';
      }
      return `The file could not be read as CSV at ${where}: a quoted cell is followed by more text before the next `
        + `"${delimiter}". To have a double quote in a cell, ${QUOTES_HINT}`;
    }
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_OPENING_QUOTE':
      return `The file could not be read as CSV at ${where}: a double quote (") appears in the middle of a cell. `
        + `To have one there, ${QUOTES_HINT}`;
    default:
      return `The file could not be read as CSV at ${where}: check its double quotes and that every line separates `
        + `its cells with ${SEPARATOR_NAMES[delimiter]}`;
  }
}

export interface CsvRecord { rowNo: number; cells: string[]; delimiter: CsvDelimiter }

/** The records of the file, header first, each with its record number (the header is 1) and the file's separator. */
export async function* readCsv(bytes: Readable): AsyncGenerator<CsvRecord> {
  const decoded = bytes.pipe(strictUtf8());
  bytes.on('error', (err) => decoded.destroy(err));
  const chunks = decoded[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const stop = new AbortController();
  let rowNo = 0;
  let delimiter: CsvDelimiter = ',';
  try {
    // Enough of the file to see its first line, and so its separator.
    let head = '';
    let ended = false;
    while (firstRecord(head, ended) === undefined && head.length <= MAX_RECORD_BYTES) {
      const next = await chunks.next();
      if (next.done) ended = true;
      else head += String(next.value);
    }
    delimiter = delimiterOf(firstRecord(head, true) ?? head);
    const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES, delimiter });
    // The rest of the file goes to the parser as it arrives, waiting while the parser is full.
    void (async () => {
      try {
        if (head) parser.write(head);
        while (!ended) {
          const next = await chunks.next();
          if (next.done) break;
          if (!parser.write(String(next.value))) await once(parser, 'drain', { signal: stop.signal });
        }
        parser.end();
      } catch (err) {
        if (!stop.signal.aborted) parser.destroy(err as Error);
      }
    })();
    for await (const record of parser as AsyncIterable<string[]>) {
      rowNo += 1;
      yield { rowNo, cells: record.map(undefuse), delimiter };
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw fail(plainWords(err, delimiter, rowNo));
  } finally {
    // Stops reading the upload (without waiting for the rest of it); the request's reader deals with what is left.
    stop.abort();
    decoded.destroy();
  }
}
