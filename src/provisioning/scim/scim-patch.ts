// Applies SCIM PATCH operations (RFC 7644 §3.5.2) to a resource's JSON representation,
// checked against the resource's attributes (scim-attributes.ts) before anything is applied:
// an unknown path is invalidPath, a read-only attribute (or removing a required one) is
// mutability, a value of the wrong shape is invalidValue, a value filter of replace or remove
// that selects nothing is noTarget. The result is then saved like a PUT, so PATCH and PUT take
// the same path into the directory; the caller saves it in one transaction.
import type { Filter } from './filter.js';
import { formatAttrPath } from './filter.js';
import { parsePatchPath, type PatchPath } from './patch-path.js';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './scim-error.js';
import { COMMON_ATTRIBUTES, type ResourceDefinition, type ScimAttribute } from './scim-attributes.js';
import { ATTRIBUTE_NAMES, PATCH_SCHEMA } from './scim-schemas.js';
import { get, keyOf, type Json } from './scim-json.js';

interface PatchOperation { op?: unknown; path?: unknown; value?: unknown }

type Op = 'add' | 'replace' | 'remove';

/** Where a path points: the attribute (and sub-attribute), and whether it lives in an extension object. */
interface Target { attribute: ScimAttribute; sub?: ScimAttribute; extension?: string }

const valueOf = get;
const isObject = (v: unknown): v is Json => Boolean(v) && typeof v === 'object' && !Array.isArray(v);
const named = (list: ScimAttribute[] | undefined, name: string) =>
  list?.find((a) => a.name.toLowerCase() === name.toLowerCase());

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

/** The attribute a path names in this resource type; invalidPath when there is none. */
function resolve(definition: ResourceDefinition, path: PatchPath): Target {
  const shown = formatAttrPath(path);
  let attributes = [...definition.core.attributes, ...COMMON_ATTRIBUTES];
  let extension: string | undefined;
  if (path.schema && path.schema.toLowerCase() !== definition.core.id.toLowerCase()) {
    const schema = definition.extensions.find((s) => s.id.toLowerCase() === path.schema!.toLowerCase());
    if (!schema) throw invalidPath(`'${path.schema}' is not a schema of ${definition.core.name}`);
    attributes = schema.attributes;
    extension = schema.id;
  }
  const attribute = named(attributes, path.attr);
  if (!attribute) throw invalidPath(`'${shown}' is not an attribute of ${definition.core.name}`);
  if (path.filter && !attribute.multiValued) {
    throw invalidPath(`'${attribute.name}' has one value; a value filter selects among several`);
  }
  if (!path.sub) return { attribute, extension };
  const sub = named(attribute.subAttributes, path.sub);
  if (!sub) throw invalidPath(`'${shown}' is not an attribute of ${definition.core.name}`);
  return { attribute, sub, extension };
}

/** Refuses writing a read-only attribute and removing a required one (RFC 7644 §3.5.2: mutability). */
function checkMutable(target: Target, op: Op, shown: string): void {
  const effective = target.sub ?? target.attribute;
  if (target.attribute.mutability === 'readOnly' || effective.mutability === 'readOnly') {
    throw mutability(`'${shown}' is read-only`);
  }
  if (op === 'remove' && effective.required) throw mutability(`'${shown}' is required and cannot be removed`);
}

/** A single value as the attribute's type wants it; booleans also as "true"/"false", as Entra ID sends them. */
function scalar(attribute: ScimAttribute, value: unknown, shown: string): unknown {
  if (value === null) {
    if (attribute.required) throw invalidValue(`'${shown}' is required and cannot be null`);
    return null;
  }
  if (Array.isArray(value) || isObject(value)) throw invalidValue(`'${shown}' takes one ${attribute.type} value`);
  if (attribute.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
    throw invalidValue(`'${shown}' must be true or false`);
  }
  if (typeof value !== 'string') throw invalidValue(`'${shown}' must be a string`);
  if (attribute.required && value.trim() === '') throw invalidValue(`'${shown}' cannot be empty`);
  return value;
}

/** One value of a complex attribute: its sub-attributes checked; read-only ones a client echoes back are dropped. */
function complex(attribute: ScimAttribute, value: unknown, shown: string): Json {
  if (!isObject(value)) throw invalidValue(`'${shown}' takes an object of ${attribute.name}'s sub-attributes`);
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = named(attribute.subAttributes, k);
    if (!sub) throw invalidPath(`'${attribute.name}.${k}' is not an attribute`);
    if (sub.mutability === 'readOnly') continue;
    out[sub.name] = scalar(sub, v, `${attribute.name}.${sub.name}`);
  }
  return out;
}

/** The operation's value in the shape its target takes; invalidValue for any other shape. */
function conform(target: Target, path: PatchPath, op: Op, value: unknown): unknown {
  const shown = formatAttrPath(path);
  if (op === 'remove') {
    // Removing listed values (members by value), as Entra ID sends it; otherwise a remove takes no value.
    if (value === undefined || value === null) return undefined;
    if (!target.attribute.multiValued || path.filter || path.sub) return undefined;
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => complex(target.attribute, v, shown));
  }
  if (value === undefined) throw invalidValue(`${op} needs a value`);
  if (target.sub) return scalar(target.sub, value, shown);
  const { attribute } = target;
  if (path.filter) return complex(attribute, value, shown);
  if (attribute.multiValued) {
    if (value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => complex(attribute, v, shown));
  }
  if (attribute.type === 'complex') {
    if (value === null) return null;
    return complex(attribute, value, shown);
  }
  return scalar(attribute, value, shown);
}

/** The object an attribute lives in: the resource, or its extension object. */
function container(resource: Json, target: Target): Json {
  if (!target.extension) return resource;
  const key = keyOf(resource, target.extension);
  if (!isObject(resource[key])) resource[key] = {};
  return resource[key] as Json;
}

function applyAt(resource: Json, op: Op, path: PatchPath, target: Target, value: unknown): void {
  const holder = container(resource, target);
  const attrKey = keyOf(holder, target.attribute.name);
  const current = holder[attrKey];
  if (path.filter) {
    const list = Array.isArray(current) ? current : [];
    const selected = list.filter((element) => matches(path.filter!, element));
    if (selected.length === 0) {
      // Entra ID sets a first e-mail address with `add emails[type eq "work"].value`.
      if (op === 'add') {
        holder[attrKey] = [...list, path.sub ? { [target.sub!.name]: value } : value];
        return;
      }
      throw noTarget(`no value of ${target.attribute.name} matches the filter`);
    }
    if (op === 'remove') {
      holder[attrKey] = path.sub
        ? list.map((e) => (selected.includes(e)
          ? Object.fromEntries(Object.entries(e as Json).filter(([k]) => k.toLowerCase() !== path.sub!.toLowerCase()))
          : e))
        : list.filter((e) => !selected.includes(e));
    } else {
      holder[attrKey] = list.map((e) => (!selected.includes(e) ? e
        : path.sub ? { ...(e as Json), [keyOf(e as Json, target.sub!.name)]: value } : value));
    }
    return;
  }
  if (target.sub) {
    const parent = isObject(current) ? current : {};
    if (op === 'remove') delete parent[keyOf(parent, target.sub.name)];
    else parent[keyOf(parent, target.sub.name)] = value;
    holder[attrKey] = parent;
    return;
  }
  if (op === 'remove') {
    if (Array.isArray(current) && Array.isArray(value)) {
      const gone = new Set(value.map((v) => String(valueOf(v, 'value')).toLowerCase()));
      holder[attrKey] = current.filter((e) => !gone.has(String(valueOf(e, 'value')).toLowerCase()));
    } else {
      delete holder[attrKey];
    }
  } else if (op === 'add' && target.attribute.multiValued) {
    const list = Array.isArray(current) ? current : [];
    const known = new Set(list.map((e) => JSON.stringify(valueOf(e, 'value') ?? e)));
    holder[attrKey] = [...list, ...(value as unknown[]).filter((v) => !known.has(JSON.stringify(valueOf(v,
      'value') ?? v)))];
  } else if (op === 'add' && isObject(current) && isObject(value)) {
    holder[attrKey] = { ...current, ...value };
  } else {
    holder[attrKey] = value;
  }
}

function applyPath(resource: Json, definition: ResourceDefinition, op: Op, path: PatchPath, value: unknown): void {
  const target = resolve(definition, path);
  checkMutable(target, op, formatAttrPath(path));
  applyAt(resource, op, path, target, conform(target, path, op, value));
}

/** `add` or `replace` without a path: each attribute of the value, extension objects attribute by attribute. */
function applyObject(resource: Json, definition: ResourceDefinition, op: Op, value: unknown): void {
  if (!isObject(value)) throw invalidValue(`${op} without a path needs an object value`);
  for (const [k, v] of Object.entries(value)) {
    if (k.toLowerCase() === 'schemas') continue;
    if (k.toLowerCase().startsWith('urn:') && isObject(v)) {
      const known = [definition.core, ...definition.extensions].some((s) => s.id.toLowerCase() === k.toLowerCase());
      if (!known) throw invalidPath(`'${k}' is not a schema of ${definition.core.name}`);
      for (const [name, inner] of Object.entries(v)) {
        applyPath(resource, definition, op, parsePatchPath(`${k}:${name}`, { names: ATTRIBUTE_NAMES }), inner);
      }
    } else {
      applyPath(resource, definition, op, parsePatchPath(k, { names: ATTRIBUTE_NAMES }), v);
    }
  }
}

/** A copy of `resource` with the operations applied in order; the first bad operation is a SCIM error. */
export function applyPatch(resource: Json, body: unknown, definition: ResourceDefinition): Json {
  const b = (isObject(body) ? body : {}) as { schemas?: unknown; Operations?: unknown; operations?: unknown };
  const schemas = Array.isArray(b.schemas) ? b.schemas.map((s) => String(s).toLowerCase()) : [];
  if (!schemas.includes(PATCH_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`A PATCH request's schemas must include ${PATCH_SCHEMA}`);
  }
  const operations = (b.Operations ?? b.operations) as PatchOperation[] | undefined;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('A PATCH needs an Operations list');
  const result = structuredClone(resource);
  for (const operation of operations) {
    if (!isObject(operation)) throw invalidSyntax('Each operation is an object with op, path and value');
    const op = typeof operation.op === 'string' ? operation.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw invalidSyntax(`op must be add, replace or remove (got ${JSON.stringify(operation.op)})`);
    }
    if (operation.path !== undefined && typeof operation.path !== 'string') throw invalidPath('path must be a string');
    const path = typeof operation.path === 'string' && operation.path.trim()
      ? parsePatchPath(operation.path, { names: ATTRIBUTE_NAMES }) : undefined;
    if (path) applyPath(result, definition, op, path, operation.value);
    else if (op === 'remove') throw noTarget('remove needs a path');
    else applyObject(result, definition, op, operation.value);
  }
  return result;
}
