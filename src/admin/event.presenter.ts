// An audit event's details as a person reads them: "ip 127.0.0.1 · application foyer-console ·
// reason wrong password", not a JSON object. Keys become words (failedSignIns → failed sign
// ins), code-like values (wrong_password) read as words, lists are joined, nested objects
// are shown in parentheses, and the text is cut at a length a table cell can hold.
const MAX_LENGTH = 400;

const words = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_.]+/g, ' ').toLowerCase();
const CODE_LIKE = /^[a-z]+(?:_[a-z]+)+$/;

function valueText(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return CODE_LIKE.test(value) ? value.replace(/_/g, ' ') : value;
  if (Array.isArray(value)) return value.length ? value.map(valueText).join(', ') : 'none';
  if (typeof value === 'object') return `(${detailsText(value as Record<string, unknown>)})`;
  return String(value);
}

/** The details of an event as one line of text; empty when there are none. */
export function detailsText(details: Record<string, unknown> | null | undefined): string {
  const text = Object.entries(details ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${words(k)} ${valueText(v)}`)
    .join(' · ');
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
