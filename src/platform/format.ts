// How pages write a moment: one format for the console and the account pages.

/** "2026-11-22 08:34 UTC": unambiguous for admins in any time zone. */
export function formatTime(value: Date | string | null | undefined): string {
  if (!value) return '';
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? '' : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "19,971": a count as pages and messages write it, with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
