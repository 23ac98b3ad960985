// Applies SCIM PATCH operations (RFC 7644 §3.5.2) to a resource's JSON representation. The
// result is then saved like a PUT, so PATCH and PUT take the same path into the directory.
import type { Filter } from './filter.js';
import { parsePatchPath, type PatchPath } from './patch-path.js';
import { invalidSyntax, invalidValue, noTarget } from './scim-error.js';
import { ATTRIBUTE_NAMES } from './scim-schemas.js';
import { get, keyOf, type Json } from './scim-json.js';

export interface PatchOperation { op?: unknown; path?: unknown; value?: unknown }

const valueOf = get;

/** Whether one value of a multi-valued attribute matches a value filter such as `type eq "work"`. */
export function matches(filter: Filter, element: unknown): boolean {
  switch (filter.op) {
    case 'and': return matches(filter.left, element) && matches(filter.right, element);
    case 'or': return matches(filter.left, element) || matches(filter.right, element);
    case 'not': return !matches(filter.filter, element);
    case 'pr': { const v = valueOf(element, filter.path.attr); return v !== undefined && v !== null && v !== ''; }
    case 'valuePath': return false;
    default: {
      const v = valueOf(element, filter.path.attr);
      const a = typeof v === 'string' ? v.toLowerCase() : v;
      const b = typeof filter.value === 'string' ? filter.value.toLowerCase() : filter.value;
      switch (filter.op) {
        case 'eq': return a === b;
        case 'ne': return a !== b;
        case 'co': return typeof a === 'string' && typeof b === 'string' && a.includes(b);
        case 'sw': return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
        case 'ew': return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
        case 'gt': return a !== undefined && a !== null && b !== null && (a as string) > (b as string);
        case 'ge': return a !== undefined && a !== null && b !== null && (a as string) >= (b as string);
        case 'lt': return a !== undefined && a !== null && b !== null && (a as string) < (b as string);
        case 'le': return a !== undefined && a !== null && b !== null && (a as string) <= (b as string);
      }
    }
  }
  return false;
}

/** The object an attribute lives in: the resource, or its extension object for a URN path. */
function container(resource: Json, path: PatchPath): Json {
  if (!path.schema || !path.schema.includes(':extension:')) return resource;
  const key = keyOf(resource, path.schema);
  resource[key] ??= {};
  return resource[key] as Json;
}

function applyOne(resource: Json, op: string, path: PatchPath | undefined, value: unknown): void {
  if (!path) {
    if (op === 'remove') throw noTarget('remove needs a path');
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw invalidValue(`${op} without a path needs an object value`);
    }
    for (const [k, v] of Object.entries(value as Json)) {
      if (k.toLowerCase().startsWith('urn:') && v && typeof v === 'object' && !Array.isArray(v)) {
        // A whole extension object: its attributes are merged in.
        const ext = keyOf(resource, k);
        resource[ext] = { ...((resource[ext] as Json) ?? {}), ...(v as Json) };
      } else {
        applyOne(resource, op, parsePatchPath(k, { names: ATTRIBUTE_NAMES }), v);
      }
    }
    return;
  }
  const target = container(resource, path);
  const attrKey = keyOf(target, path.attr);
  const current = target[attrKey];
  if (path.filter) {
    if (!Array.isArray(current)) throw noTarget(`${path.attr} has no values to select`);
    const selected = current.filter((element) => matches(path.filter!, element));
    if (selected.length === 0) {
      if (op === 'add' || op === 'replace') {
        if (path.sub) target[attrKey] = [...current, { [path.sub]: value }];
        else throw noTarget(`no value of ${path.attr} matches the filter`);
        return;
      }
      throw noTarget(`no value of ${path.attr} matches the filter`);
    }
    if (op === 'remove') {
      target[attrKey] = path.sub
        ? current.map((e) => (selected.includes(e)
          ? Object.fromEntries(Object.entries(e as Json).filter(([k]) => k.toLowerCase() !== path.sub!.toLowerCase()))
          : e))
        : current.filter((e) => !selected.includes(e));
    } else {
      target[attrKey] = current.map((e) => (!selected.includes(e) ? e
        : path.sub ? { ...(e as Json), [keyOf(e as Json, path.sub)]: value } : value));
    }
    return;
  }
  if (path.sub) {
    const parent = (current && typeof current === 'object' && !Array.isArray(current) ? current : {}) as Json;
    if (op === 'remove') delete parent[keyOf(parent, path.sub)];
    else parent[keyOf(parent, path.sub)] = value;
    target[attrKey] = parent;
    return;
  }
  if (op === 'remove') {
    if (Array.isArray(current) && Array.isArray(value)) {
      // Removing listed values (e.g. members by value), as Azure AD sends it.
      const gone = new Set(value.map((v) => String(valueOf(v, 'value')).toLowerCase()));
      target[attrKey] = current.filter((e) => !gone.has(String(valueOf(e, 'value')).toLowerCase()));
    } else {
      delete target[attrKey];
    }
  } else if (op === 'add' && Array.isArray(current)) {
    const added = Array.isArray(value) ? value : [value];
    const known = new Set(current.map((e) => JSON.stringify(valueOf(e, 'value') ?? e)));
    target[attrKey] = [...current, ...added.filter((v) => !known.has(JSON.stringify(valueOf(v, 'value') ?? v)))];
  } else if (op === 'add' && current && typeof current === 'object' && value && typeof value === 'object'
    && !Array.isArray(value)) {
    target[attrKey] = { ...(current as Json), ...(value as Json) };
  } else {
    target[attrKey] = value;
  }
}

/** A copy of `resource` with the operations applied in order; a bad operation is a SCIM error. */
export function applyPatch(resource: Json, body: unknown): Json {
  const b = body as { schemas?: unknown; Operations?: unknown; operations?: unknown };
  const operations = (b?.Operations ?? b?.operations) as PatchOperation[] | undefined;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('A PATCH needs an Operations list');
  const result = structuredClone(resource);
  for (const operation of operations) {
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    if (!['add', 'replace', 'remove'].includes(op)) {
      throw invalidSyntax(`op must be add, replace or remove (got ${JSON.stringify(operation.op)})`);
    }
    const path = typeof operation.path === 'string' && operation.path.trim() ? parsePatchPath(operation.path,
      { names: ATTRIBUTE_NAMES }) : undefined;
    if (op !== 'remove' && operation.value === undefined) throw invalidValue(`${op} needs a value`);
    applyOne(result, op, path, operation.value);
  }
  return result;
}
