// Custom profile fields: what admins define in settings, and the check each value passes on
// the create and edit forms. Values live in users.custom_fields (jsonb) under the field key.
import { RE2JS, RE2JSException } from 're2js';
import { isPrivacyLevel, PRIVACY_CLAIMS, type PrivacyLevel } from '../config/privacy-levels.js';

export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'boolean', 'select'] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export interface CustomFieldDefinition {
  key: string;
  label: string;
  type: CustomFieldType;
  required: boolean;
  /** A regular expression the whole text value must match (text fields). */
  pattern: string | null;
  /** The choices of a select field. */
  options: string[];
  defaultPrivacy: PrivacyLevel;
  position: number;
}

export type CustomValue = string | number | boolean;

const KEY = /^[a-z][a-z0-9_]{0,39}$/;
const LABEL_MAX = 100;
const TEXT_MAX = 500;
// Standard claim names a custom field must not shadow.
const RESERVED_KEYS = new Set([...PRIVACY_CLAIMS, 'sub', 'name', 'middle_name', 'preferred_username', 'profile',
  'website',
  'gender', 'zoneinfo', 'locale', 'updated_at', 'address', 'email_verified', 'phone_number_verified', 'login',
  'password',
  'role', 'organization', 'groups', 'custom_fields']);

const PATTERN_MAX = 500;
const PATTERN_CACHE_MAX = 200;

/** A pattern ready to check whole values, or why Foyer cannot run it. */
export type CompiledPattern = { matches: (value: string) => boolean } | { problem: string };

/** Why RE2 refused a pattern, in the words an Administrator needs to fix it. */
function explain(err: unknown): string {
  if (!(err instanceof RE2JSException)) return 'This is not a valid regular expression';
  const { error, input } = err as RE2JSException & { error?: string; input?: string };
  const why = 'patterns run on a linear-time engine (RE2 syntax), so that no pattern can stall Foyer';
  if (error === 'invalid escape sequence' && /^\\(?:[1-9]|k)/.test(input ?? '')) {
    return `Backreferences such as \\1 or \\k<name> are not supported: ${why}`;
  }
  if (/^\(\?(?:=|!|<=|<!)/.test(input ?? '')) {
    return `Lookarounds such as (?=…), (?!…), (?<=…) or (?<!…) are not supported: ${why}`;
  }
  return `This pattern cannot be used (${error ?? 'invalid'}${input ? `: ${input}` : ''}); ${why}`;
}

// Compiled once per distinct pattern (a CSV import checks every row): bounded, oldest out first.
const cache = new Map<string, CompiledPattern>();

/**
 * Compiles a custom-field pattern for whole-value matching on RE2 (re2js), which runs in time
 * linear in the input whatever the pattern: an Administrator's pattern can never hold the
 * event loop (a backtracking `new RegExp` took minutes on `([A-Za-z]+ ?)+` and 35 letters).
 * Features RE2 lacks — backreferences, lookarounds — come back as a problem, never a throw.
 */
function compilePattern(pattern: string): CompiledPattern {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let compiled: CompiledPattern;
  if (pattern.length > PATTERN_MAX) compiled = { problem: `Use at most ${PATTERN_MAX} characters` };
  else {
    try {
      const re = RE2JS.compile(pattern);
      compiled = { matches: (value) => re.matches(value) };
    } catch (err) {
      compiled = { problem: explain(err) };
    }
  }
  if (cache.size >= PATTERN_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, compiled);
  return compiled;
}

/** Why a stored pattern is not enforced (saved before patterns were checked on save), or undefined if it runs. */
export function patternProblem(pattern: string | null): string | undefined {
  if (!pattern) return undefined;
  const compiled = compilePattern(pattern);
  return 'problem' in compiled ? compiled.problem : undefined;
}

type FormValue = string | string[] | undefined;
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[0] ?? '').trim() : '');

/** Parses the settings form for one field. `existingKeys` are refused for new fields. */
export function parseDefinition(input: Record<string, unknown>, existingKeys: ReadonlySet<string>, editingKey?: string):
  { definition: CustomFieldDefinition } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const key = editingKey ?? text(input.key);
  if (!editingKey) {
    if (!KEY.test(key)) errors.key = 'Use 1–40 lower-case letters, digits or _, starting with a letter';
    else if (RESERVED_KEYS.has(key)) errors.key = 'This key is a standard claim or a built-in field; choose another';
    else if (existingKeys.has(key)) errors.key = 'A field with this key exists already';
  }
  const label = text(input.label);
  if (!label) errors.label = 'Give the field a label';
  else if (label.length > LABEL_MAX) errors.label = `Use at most ${LABEL_MAX} characters`;
  const type = text(input.type);
  if (!(CUSTOM_FIELD_TYPES as readonly string[]).includes(type)) {
    errors.type = `Choose one of ${CUSTOM_FIELD_TYPES.join(', ')}`;
  }
  const pattern = text(input.pattern) || null;
  if (pattern && type !== 'text') errors.pattern = 'Only text fields take a pattern';
  else if (pattern && patternProblem(pattern)) errors.pattern = patternProblem(pattern)!;
  const options = [...new Set(text(input.options).split(/\r?\n|,/).map((o) => o.trim()).filter(Boolean))];
  if (type === 'select' && options.length === 0) errors.options = 'List the choices, one per line';
  const defaultPrivacy = text(input.defaultPrivacy) || 'private';
  if (!isPrivacyLevel(defaultPrivacy)) errors.defaultPrivacy = 'Choose private, on request or public';
  const position = Number(text(input.position) || 0);
  if (!Number.isInteger(position) || Math.abs(position) > 10_000) errors.position = 'Enter a whole number';
  if (Object.keys(errors).length) return { errors };
  return {
    definition: {
      key, label, type: type as CustomFieldType,
      required: input.required === 'on' || input.required === true || input.required === 'true',
      pattern, options: type === 'select' ? options : [], defaultPrivacy: defaultPrivacy as PrivacyLevel, position,
    },
  };
}

function parseValue(def: CustomFieldDefinition, raw: string): { value?: CustomValue; error?: string } {
  switch (def.type) {
    case 'number': {
      const n = Number(raw);
      return Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(raw) ? { value: n }
        : { error: 'Enter a number, e.g. 42 or 3.5' };
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(raw) && !Number.isNaN(Date.parse(raw)) ? { value: raw }
        : { error: 'Use the form YYYY-MM-DD' };
    case 'boolean':
      return { value: raw === 'on' || raw === 'true' || raw === 'yes' };
    case 'select':
      return def.options.includes(raw) ? { value: raw } : { error: `Choose one of ${def.options.join(', ')}` };
    default: {
      if (raw.length > TEXT_MAX) return { error: `Use at most ${TEXT_MAX} characters` };
      // A stored pattern RE2 cannot run (saved before the check on save) is not enforced; the settings page says so.
      const re = def.pattern ? compilePattern(def.pattern) : undefined;
      return re && 'matches' in re && !re.matches(raw)
        ? { error: `Does not match the expected format (${def.pattern})` } : { value: raw };
    }
  }
}

/**
 * The custom values of a submitted form (fields named `custom.<key>`), checked against the
 * definitions. Values of fields no longer defined are kept from `previous` untouched.
 */
export function parseCustomValues(form: Record<string, FormValue>, definitions: CustomFieldDefinition[],
  previous: Record<string, unknown> = {}):
  { values: Record<string, CustomValue>; errors: Record<string, string> } {
  const values: Record<string, CustomValue> = {};
  const errors: Record<string, string> = {};
  const defined = new Set(definitions.map((d) => d.key));
  for (const [key, value] of Object.entries(previous)) {
    if (!defined.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      values[key] = value;
    }
  }
  for (const def of definitions) {
    const raw = text(form[`custom.${def.key}`]);
    if (def.type === 'boolean') {
      values[def.key] = parseValue(def, raw).value as boolean;
      continue;
    }
    if (!raw) {
      if (def.required) errors[`custom.${def.key}`] = `${def.label} is required`;
      continue;
    }
    const parsed = parseValue(def, raw);
    if (parsed.error) errors[`custom.${def.key}`] = parsed.error;
    else values[def.key] = parsed.value as CustomValue;
  }
  return { values, errors };
}
