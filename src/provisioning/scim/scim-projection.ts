// `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5): which attributes a response
// carries. `id`, `schemas` and `meta` are always returned; sub-attributes by dot path.
type Json = Record<string, unknown>;
const ALWAYS = new Set(['id', 'schemas', 'meta']);

function paths(list: string | undefined): string[] {
  return (list ?? '').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)
    .map((p) => p.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/, ''));
}

export function project(resource: Json,
  { attributes, excludedAttributes }: { attributes?: string; excludedAttributes?: string }): Json {
  const include = paths(attributes);
  const exclude = paths(excludedAttributes);
  const out: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    const k = key.toLowerCase();
    if (value === undefined) continue;
    if (ALWAYS.has(k)) {
      out[key] = value;
      continue;
    }
    if (include.length) {
      const whole = include.includes(k);
      const subs = include.filter((p) => p.startsWith(`${k}.`) || p.startsWith(`${k}:`)).map((p) => p.slice(k.length
        + 1));
      if (whole) out[key] = value;
      else if (subs.length && value && typeof value === 'object' && !Array.isArray(value)) {
        out[key] = Object.fromEntries(Object.entries(value as Json).filter(([s]) => subs.includes(s.toLowerCase())));
      } else if (subs.length && Array.isArray(value)) {
        out[key] = value.map((e) => Object.fromEntries(
          Object.entries(e as Json).filter(([s]) => subs.includes(s.toLowerCase()))));
      }
      continue;
    }
    if (exclude.includes(k)) continue;
    const subsOut = exclude.filter((p) => p.startsWith(`${k}.`)).map((p) => p.slice(k.length + 1));
    if (subsOut.length && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value as Json).filter(([s]) => !subsOut.includes(s.toLowerCase())));
    } else {
      out[key] = value;
    }
  }
  return out;
}
