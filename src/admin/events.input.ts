// The audit log's filters: who it is about, who did it, the action, a time range (UTC) and
// the page cursor. Text with control characters is refused (the page answers 422 with the
// reason and lists without that filter); a time that cannot be one is left out with a note.
import { z } from 'zod';
import { bigserialId, text } from '../platform/http/input.js';
import { optionalDateTime } from '../platform/http/form.input.js';

const filterText = z.object({ user: text(320), actor: text(320), action: text(100), from: text(40), to: text(40) });
type FilterName = keyof z.output<typeof filterText>;
const LABELS: Record<FilterName, string> = { user: 'User', actor: 'Actor', action: 'Action', from: 'From', to: 'To' };
const cursor = z.preprocess((v) => (Array.isArray(v) ? v[0] : v) || undefined, bigserialId.optional().catch(undefined));

export interface EventFilters {
  /** As typed (trimmed), for the form and the page links. */
  filters: Record<FilterName, string>;
  from?: Date;
  to?: Date;
  before?: string;
  after?: string;
  problems: string[];
  refused: boolean;
}

/** "2026-11-22" or "2026-11-22T08:30" as UTC; a bare end date includes that whole day. */
function timeOf(value: string, endOfDay: boolean): Date {
  const d = new Date(value.length === 10 ? `${value}T00:00:00Z` : `${value.replace(' ', 'T')}:00Z`);
  if (endOfDay && value.length === 10) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

export function parseEventFilters(query: Record<string, unknown>): EventFilters {
  const problems: string[] = [];
  let refused = false;
  const filters = {} as Record<FilterName, string>;
  for (const name of Object.keys(LABELS) as FilterName[]) {
    const parsed = filterText.shape[name].safeParse(query[name]);
    if (parsed.success) filters[name] = parsed.data.trim();
    else {
      filters[name] = '';
      refused = true;
      problems.push(`${LABELS[name]}: ${parsed.error.issues[0].message}`);
    }
  }
  const time = (name: 'from' | 'to', word: string): Date | undefined => {
    const parsed = optionalDateTime(`Write the ${word} as YYYY-MM-DD or YYYY-MM-DDTHH:MM `
      + `(UTC).`).safeParse(filters[name]);
    if (!parsed.success) {
      problems.push(parsed.error.issues[0].message.startsWith('Write') ? parsed.error.issues[0].message
        : `The ${word}: ${parsed.error.issues[0].message}`);
      return undefined;
    }
    return parsed.data ? timeOf(parsed.data, name === 'to') : undefined;
  };
  const from = time('from', 'start');
  const to = time('to', 'end');
  return { filters, from, to, before: cursor.parse(query.before), after: cursor.parse(query.after), problems, refused };
}
