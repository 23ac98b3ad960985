// Compiles a parsed SCIM filter (filter.ts) into a PostgreSQL boolean expression. Values
// only ever travel as $n parameters; the SQL text comes from the caller's mapping and
// from fixed fragments here, so no client input reaches the statement text.
//
// Semantics (RFC 7644 §3.4.2.2), decided where the RFC leaves room:
// - Strings compare case-insensitively (lower() on both sides) unless the attribute is
//   caseExact; gt/ge/lt/le order them in the database's collation.
// - An absent attribute (NULL, or '' for strings) is "not equal" to any value, so `ne`
//   and `not (... eq ...)` both match it: `ne` is IS DISTINCT FROM and `not` treats an
//   unknown (NULL) result as false before negating. `pr` is the exact opposite of
//   `eq null`.
// - Booleans take eq/ne only; integers and datetimes no co/sw/ew; a value of the wrong
//   type is an invalidFilter error rather than a silent mismatch or a database error.
import { attrPathKey, formatAttrPath, type AttrPath, type CompValue, type Filter } from './filter.js';
import { invalidFilter } from './scim-error.js';

export type ScimAttributeType = 'string' | 'boolean' | 'datetime' | 'integer';

export interface ScimColumn {
  /** An SQL expression over the caller's table alias, e.g. `u.login`. Trusted text. */
  sql: string;
  type: ScimAttributeType;
  caseExact?: boolean;
  /** A sub-attribute of a multi-valued attribute; `emails eq "x"` then means `emails.value eq "x"`. */
  multiValued?: boolean;
  /**
   * For values kept in rows of their own (a group's members): `<table> WHERE <join>`, and the
   * condition holds when one of those rows meets it (`EXISTS (SELECT 1 FROM … AND …)`). Trusted text.
   */
  each?: string;
}

/**
 * Keyed by lower-case attribute path: 'username', 'name.givenname', 'emails.value',
 * 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber'.
 * Core attributes need only their short key: `urn:ietf:params:scim:schemas:core:2.0:User:userName`
 * falls back to 'username'.
 *
 * A value filter such as `emails[type eq "work" and value co "x"]` compiles against the
 * 'emails.type' and 'emails.value' entries, which is exact when a user has at most one
 * email. Map 'emails.type' to an expression that is NULL when there is no email (e.g.
 * `CASE WHEN u.email IS NOT NULL THEN 'work' END`), or `emails[type eq "work"]` matches
 * every user.
 */
export type ScimMapping = Readonly<Record<string, ScimColumn>>;

const CORE_SCHEMA_PREFIX = 'urn:ietf:params:scim:schemas:core:2.0:';
// xsd:dateTime as RFC 7643 §2.3.5 uses it; without an offset, the time is taken as UTC.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))?$/;

/** Appends the filter's values to `params` and returns the SQL condition that uses them. */
export function compileFilter(filter: Filter, mapping: ScimMapping, params: unknown[]): string {
  return new Compiler(mapping, params).compile(filter, undefined);
}

/** Escapes LIKE's wildcards (and the escape character itself) for `LIKE ... ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

class Compiler {
  constructor(
    private readonly mapping: ScimMapping,
    private readonly params: unknown[],
  ) {}

  /** `parent` is the attribute of an enclosing value filter, whose sub-attributes the paths name. */
  compile(filter: Filter, parent: AttrPath | undefined): string {
    switch (filter.op) {
      case 'and':
      case 'or':
        return `(${this.operands(filter, filter.op)
          .map((f) => this.compile(f, parent))
          .join(` ${filter.op.toUpperCase()} `)})`;
      case 'not':
        return `NOT COALESCE(${this.compile(filter.filter, parent)}, false)`;
      case 'valuePath':
        return this.compile(filter.filter, filter.path);
      case 'pr': {
        const column = this.column(filter.path, parent);
        return within(column, present(column));
      }
      default: {
        const column = this.column(filter.path, parent);
        return within(column, this.compare(filter.op, column, filter.value, this.display(filter.path, parent)));
      }
    }
  }

  /** `a and b and c` as one flat list rather than nested pairs: shorter, easier-to-read SQL. */
  private operands(filter: Filter, op: 'and' | 'or'): Filter[] {
    return filter.op === op ? [...this.operands(filter.left, op), ...this.operands(filter.right, op)] : [filter];
  }

  private compare(op: string, column: ScimColumn, value: CompValue, name: string): string {
    const { sql } = column;
    if (value === null) {
      if (op === 'eq') return absent(column);
      if (op === 'ne') return present(column);
      throw invalidFilter(`'${op}' cannot compare '${name}' with null; use 'pr' or 'eq null'`);
    }
    if (column.type === 'boolean') {
      if (typeof value !== 'boolean') throw invalidFilter(`'${name}' is a boolean; compare it with true or false`);
      if (op !== 'eq' && op !== 'ne') {
        throw invalidFilter(`'${op}' is not supported for the boolean '${name}'; use eq or ne`);
      }
      return ordered(op, sql, this.param(value));
    }
    if (op === 'co' || op === 'sw' || op === 'ew') {
      if (column.type !== 'string') {
        throw invalidFilter(`'${op}' is only supported for strings, and '${name}' is a ${column.type}`);
      }
      if (typeof value !== 'string') throw invalidFilter(`'${name}' is a string; compare it with a quoted string`);
      const pattern = `${op === 'sw' ? '' : '%'}${escapeLike(value)}${op === 'ew' ? '' : '%'}`;
      const placeholder = this.param(pattern);
      return column.caseExact
        ? `${sql} LIKE ${placeholder} ESCAPE '\\'` : `lower(${sql}) LIKE lower(${placeholder}) ESCAPE '\\'`;
    }
    if (column.type === 'integer') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        throw invalidFilter(`'${name}' is an integer; compare it with a whole number`);
      }
      return ordered(op, sql, this.param(value));
    }
    if (typeof value !== 'string') {
      throw invalidFilter(`'${name}' is a ${column.type}; compare it with a quoted string`);
    }
    if (column.type === 'datetime') return ordered(op, sql, `${this.param(dateTime(value, name))}::timestamptz`);
    const placeholder = this.param(value);
    return column.caseExact ? ordered(op, sql, placeholder) : ordered(op, `lower(${sql})`, `lower(${placeholder})`);
  }

  private column(path: AttrPath, parent: AttrPath | undefined): ScimColumn {
    const full = parent ? { ...(parent.schema ? { schema: parent.schema } : {}), attr: parent.attr, sub: path.attr }
      : path;
    const key = attrPathKey(full);
    const keys = [key];
    if (full.schema?.toLowerCase().startsWith(CORE_SCHEMA_PREFIX)) {
      keys.push(attrPathKey({ attr: full.attr, sub: full.sub }));
    }
    for (const candidate of keys) {
      if (Object.hasOwn(this.mapping, candidate)) return guarded(this.mapping[candidate]);
    }
    // A multi-valued attribute named on its own stands for its value (RFC 7644 §3.4.2.2).
    for (const candidate of full.sub ? [] : keys.map((k) => `${k}.value`)) {
      if (Object.hasOwn(this.mapping, candidate) && this.mapping[candidate].multiValued) {
        return guarded(this.mapping[candidate]);
      }
    }
    throw invalidFilter(`unknown attribute '${this.display(path, parent)}'`);
  }

  private display(path: AttrPath, parent: AttrPath | undefined): string {
    return parent ? `${formatAttrPath(parent)}[${path.attr}]` : formatAttrPath(path);
  }

  private param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** Parenthesises an expression such as `NOT u.blocked`, so that `= $1` applies to all of it. */
function guarded(column: ScimColumn): ScimColumn {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(column.sql) ? column : { ...column, sql: `(${column.sql})` };
}

/** The condition on one of the rows holding the values, for columns kept in rows of their own. */
function within(column: ScimColumn, condition: string): string {
  return column.each ? `EXISTS (SELECT 1 FROM ${column.each} AND ${condition})` : condition;
}

const ORDER: Readonly<Record<string, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

function ordered(op: string, left: string, right: string): string {
  // IS DISTINCT FROM is true when the attribute is NULL: an absent value is "not equal".
  return op === 'ne' ? `${left} IS DISTINCT FROM ${right}` : `${left} ${ORDER[op]} ${right}`;
}

function present(column: ScimColumn): string {
  // RFC 7644: pr is false for null and for empty strings.
  return column.type === 'string' ? `(${column.sql} IS NOT NULL AND ${column.sql} <> '')` : `${column.sql} IS NOT NULL`;
}

function absent(column: ScimColumn): string {
  return column.type === 'string' ? `(${column.sql} IS NULL OR ${column.sql} = '')` : `${column.sql} IS NULL`;
}

/** Checked here so that a bad date is the client's invalidFilter, not the database's 500. */
function dateTime(value: string, name: string): string {
  const match = DATE_TIME.exec(value);
  const bad = () => invalidFilter(`'${name}' is a dateTime; '${value}' is not one (expected e.g. `
    + `"2024-01-31T12:00:00Z")`);
  if (!match) throw bad();
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = !match[9] || (Number(match[9]) <= 14 && Number(match[10]) <= 59);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59
    || !offsetOk) throw bad();
  return match[8] ? value : `${value}Z`;
}
