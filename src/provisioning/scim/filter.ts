// The SCIM 2.0 filter language (RFC 7644 §3.4.2.2): a lexer and a recursive-descent parser
// producing a typed AST. Pure, with no SQL (filter-sql.ts compiles the AST), so the same
// parser also reads the value filters inside PATCH paths (patch-path.ts).
// Filters arrive from the network, so length and nesting are bounded before anything
// recursive can run away, and every syntax error says where and what was expected.
import { invalidFilter } from './scim-error.js';

export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 32;

/** `schema` is the URN before the attribute (`urn:...:2.0:User`), when the client wrote one. */
export interface AttrPath { schema?: string; attr: string; sub?: string }

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

/** Inside a `valuePath` filter, paths are sub-attributes of the outer path: `{ attr: 'type' }`. */
export type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  | { op: 'pr'; path: AttrPath }
  | { op: CompareOp; path: AttrPath; value: CompValue }
  | { op: 'valuePath'; path: AttrPath; filter: Filter };

export interface ParseOptions {
  /** Canonical spellings ('userName', 'givenName', 'value'): SCIM names are case-insensitive,
   *  so any casing becomes the one listed here. Names not listed stay as the client wrote them. */
  names?: Iterable<string>;
}

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const OPERATORS = 'eq, ne, co, sw, ew, pr, gt, ge, lt, le';
// RFC 7643 ATTRNAME, plus `$ref`, which the core schemas themselves use (members.$ref).
const NAME = '(?:[A-Za-z][A-Za-z0-9_-]*|\\$ref)';
const NAME_ONLY = new RegExp(`^${NAME}$`);
// The schema URN is everything up to the last ':'; names cannot contain ':', so the split is unique.
const ATTR_PATH = new RegExp(`^(?:(urn:[A-Za-z0-9_.:-]+):)?(${NAME})(?:\\.(${NAME}))?$`, 'i');
const WORD = /[A-Za-z$][A-Za-z0-9_:.$-]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\]|\\[^])*"/y;
const SPACE = /\s*/y;

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; pos: number }
  | { kind: '(' | ')' | '[' | ']' | '.' | 'end'; pos: number };

/** Parses a complete filter, such as a `filter` query parameter. */
export function parseFilter(input: string, options: ParseOptions = {}): Filter {
  if (input.length > MAX_FILTER_LENGTH) throw invalidFilter(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(input, 0, options);
  if (parser.peek().kind === 'end') throw invalidFilter('filter is empty');
  const filter = parser.disjunction(false);
  const rest = parser.peek();
  if (rest.kind !== 'end') throw parser.expected("'and', 'or' or the end of the filter", rest);
  return filter;
}

/**
 * Parses the value filter of a PATCH path from just after its '[' up to and including the
 * matching ']' (found by the lexer, so a ']' inside a string does not end it). `end` is
 * the index after the ']'.
 */
export function parseValueFilter(input: string, start: number,
  options: ParseOptions = {}): { filter: Filter; end: number } {
  if (input.length > MAX_FILTER_LENGTH) throw invalidFilter(`filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(input, start, options);
  const filter = parser.group(true, ']');
  return { filter, end: parser.offset };
}

/** Splits `urn:...:attr.sub` into its parts, or undefined when it is not an attribute path. */
export function parseAttrPath(text: string, options: ParseOptions = {}): AttrPath | undefined {
  return splitAttrPath(text, canonicalNames(options));
}

/** The lower-case lookup key of a path: 'name.givenname', 'urn:...:user:employeenumber'. */
export function attrPathKey(path: AttrPath): string {
  return formatAttrPath(path).toLowerCase();
}

/** The path as written, for messages. */
export function formatAttrPath(path: AttrPath): string {
  return `${path.schema ? `${path.schema}:` : ''}${path.attr}${path.sub ? `.${path.sub}` : ''}`;
}

function canonicalNames(options: ParseOptions): Map<string, string> {
  return new Map([...(options.names ?? [])].map((name) => [name.toLowerCase(), name]));
}

function splitAttrPath(text: string, names: Map<string, string>): AttrPath | undefined {
  const match = ATTR_PATH.exec(text);
  if (!match) return undefined;
  const [, schema, attr, sub] = match;
  const canonical = (name: string) => names.get(name.toLowerCase()) ?? name;
  return { ...(schema ? { schema } : {}), attr: canonical(attr), ...(sub ? { sub: canonical(sub) } : {}) };
}

class Parser {
  private ahead: Token | undefined;
  private depth = 0;
  private readonly names: Map<string, string>;

  constructor(private readonly input: string, private pos: number, options: ParseOptions) {
    this.names = canonicalNames(options);
  }

  /** Index just after the last token taken. */
  get offset(): number { return this.ahead ? this.ahead.pos : this.pos; }

  peek(): Token { return (this.ahead ??= this.lex()); }

  private take(): Token {
    const token = this.peek();
    this.ahead = undefined;
    return token;
  }

  // Precedence, loosest first: or, and, not / grouping / attribute expressions.
  disjunction(inValue: boolean): Filter {
    let left = this.conjunction(inValue);
    while (this.isKeyword(this.peek(), 'or')) {
      this.take();
      left = { op: 'or', left, right: this.conjunction(inValue) };
    }
    return left;
  }

  private conjunction(inValue: boolean): Filter {
    let left = this.unary(inValue);
    while (this.isKeyword(this.peek(), 'and')) {
      this.take();
      left = { op: 'and', left, right: this.unary(inValue) };
    }
    return left;
  }

  private unary(inValue: boolean): Filter {
    const token = this.take();
    if (this.isKeyword(token, 'not')) {
      const open = this.take();
      if (open.kind !== '(') throw this.expected("'(' after 'not'", open);
      return { op: 'not', filter: this.group(inValue, ')') };
    }
    if (token.kind === '(') return this.group(inValue, ')');
    // 'and' and 'or' are never attribute names here, so `a pr and or b pr` fails where it is wrong.
    if (token.kind === 'word' && !this.isKeyword(token, 'and') && !this.isKeyword(token, 'or')) {
      return this.attributeExpression(token, inValue);
    }
    throw this.expected("an attribute name, '(' or 'not'", token);
  }

  /** The inside of ( ) or [ ], the opening bracket already taken. */
  group(inValue: boolean, close: ')' | ']'): Filter {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw invalidFilter(`filter is nested more than ${MAX_FILTER_DEPTH} levels deep`);
    }
    const inner = this.disjunction(inValue);
    const end = this.take();
    if (end.kind !== close) throw this.expected(`'${close}', 'and' or 'or'`, end);
    this.depth--;
    return inner;
  }

  private attributeExpression(word: Token & { kind: 'word' }, inValue: boolean): Filter {
    const path = this.attributePath(word, inValue);
    if (this.peek().kind === '[') {
      const open = this.take();
      if (inValue) throw invalidFilter(`value filters cannot be nested (the '[' at position ${open.pos})`);
      if (path.sub) {
        throw invalidFilter(`a value filter follows a multi-valued attribute, not the sub-attribute '${word.text}' `
          + `(position ${word.pos})`);
      }
      const filter = this.group(true, ']');
      const after = this.peek();
      if (after.kind === '.') {
        throw invalidFilter(`'${formatAttrPath(path)}[...].' at position ${after.pos}: selecting a sub-attribute after `
          + `a value filter is only allowed in PATCH paths; in a filter, put the condition inside the brackets, as in `
          + `emails[type eq "work" and value co "@example.com"]`);
      }
      return { op: 'valuePath', path, filter };
    }
    const operator = this.take();
    if (operator.kind !== 'word') throw this.expected(`an operator (${OPERATORS}) after '${word.text}'`, operator);
    const op = operator.text.toLowerCase();
    if (op === 'pr') return { op: 'pr', path };
    if (!COMPARE_OPS.has(op)) {
      throw invalidFilter(`unknown operator '${operator.text}' at position ${operator.pos}; expected one of `
        + `${OPERATORS}`);
    }
    return { op: op as CompareOp, path, value: this.value(op) };
  }

  private attributePath(word: Token & { kind: 'word' }, inValue: boolean): AttrPath {
    if (inValue) {
      // Inside brackets the names are sub-attributes of the attribute before the '['.
      if (!NAME_ONLY.test(word.text)) {
        throw invalidFilter(`expected a sub-attribute name such as 'type' or 'value' at position ${word.pos}, found '`
          + `${word.text}'`);
      }
      return { attr: this.names.get(word.text.toLowerCase()) ?? word.text };
    }
    const path = splitAttrPath(word.text, this.names);
    if (!path) {
      throw invalidFilter(`'${word.text}' at position ${word.pos} is not an attribute path (name, name.subName or `
        + `urn:...:name)`);
    }
    return path;
  }

  private value(op: string): CompValue {
    const token = this.take();
    if (token.kind === 'string' || token.kind === 'number') return token.value;
    if (token.kind === 'word') {
      const literal = token.text.toLowerCase();
      if (literal === 'true') return true;
      if (literal === 'false') return false;
      if (literal === 'null') return null;
    }
    throw this.expected(`a value ("string", number, true, false or null) after '${op}'`, token);
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  expected(what: string, found: Token): Error {
    return invalidFilter(`expected ${what} at position ${found.pos}, found ${describe(found)}`);
  }

  private lex(): Token {
    const { input } = this;
    SPACE.lastIndex = this.pos;
    SPACE.exec(input);
    const pos = SPACE.lastIndex;
    const char = input[pos];
    if (char === undefined) return { kind: 'end', pos: (this.pos = pos) };
    if ('()[].'.includes(char)) {
      this.pos = pos + 1;
      return { kind: char as '(' | ')' | '[' | ']' | '.', pos };
    }
    if (char === '"') return { kind: 'string', value: this.string(pos), pos };
    const number = sticky(NUMBER, input, pos);
    if (number !== undefined) {
      const value = Number(number);
      if (!Number.isFinite(value)) throw invalidFilter(`number at position ${pos} is out of range`);
      if (/[A-Za-z0-9_.$]/.test(input[pos + number.length] ?? '')) {
        throw invalidFilter(`malformed number at position ${pos}`);
      }
      this.pos = pos + number.length;
      return { kind: 'number', value, pos };
    }
    const word = sticky(WORD, input, pos);
    if (word !== undefined) {
      this.pos = pos + word.length;
      return { kind: 'word', text: word, pos };
    }
    throw invalidFilter(`unexpected character '${char}' at position ${pos}`);
  }

  private string(pos: number): string {
    const literal = sticky(STRING, this.input, pos);
    if (literal === undefined) throw invalidFilter(`unterminated string starting at position ${pos}`);
    this.pos = pos + literal.length;
    try {
      // Comparison values are JSON strings (RFC 7644 §3.4.2.2), escapes and all.
      return JSON.parse(literal) as string;
    } catch {
      throw invalidFilter(`invalid string at position ${pos}: use JSON escapes such as \\" \\\\ \\n \\u00e9`);
    }
  }
}

function sticky(pattern: RegExp, input: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(input)?.[0];
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end': return 'the end of the filter';
    case 'word': return `'${token.text}'`;
    case 'string': return `the string `
      + `${JSON.stringify(token.value.length > 40 ? `${token.value.slice(0, 40)}…` : token.value)}`;
    case 'number': return `the number ${token.value}`;
    default: return `'${token.kind}'`;
  }
}
