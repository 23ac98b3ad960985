// Notices and problems a page shows after a redirect are chosen by a code in the URL from a
// fixed set, never taken from the URL as text: a crafted link must not put words on Foyer's
// own pages. Only the map's own keys count, so `?done=constructor` or `__proto__` shows
// nothing rather than something inherited from Object.prototype.

/** The text for `code` (a query value: string, list or absent), or undefined for anything not in `map`. */
export function noticeFor(map: Readonly<Record<string, string>>, code: unknown): string | undefined {
  const first = Array.isArray(code) ? code[0] : code;
  return typeof first === 'string' && Object.hasOwn(map, first) ? map[first] : undefined;
}

/** The code whose text is `message`, for a redirect that must carry a code rather than the text; `fallback` if none. */
export function codeFor(map: Readonly<Record<string, string>>, message: string | undefined, fallback: string): string {
  return Object.keys(map).find((code) => map[code] === message) ?? fallback;
}
