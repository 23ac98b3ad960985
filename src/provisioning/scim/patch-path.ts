// The `path` of a SCIM PATCH operation (RFC 7644 §3.5.2):
//   PATH = attrPath / valuePath [subAttr]
// e.g. `title`, `name.givenName`, `urn:...:enterprise:2.0:User:manager`,
// `members[value eq "2819c223"]`, `emails[type eq "work"].value`.
// A malformed path is invalidPath; a malformed filter inside its brackets is
// invalidFilter, as RFC 7644 §3.12 lists invalidFilter for "PATCH (Path Filter)".
import { MAX_FILTER_LENGTH, formatAttrPath, parseAttrPath, parseValueFilter, type Filter,
  type ParseOptions } from './filter.js';
import { invalidPath } from './scim-error.js';

export interface PatchPath {
  schema?: string;
  attr: string;
  /** Selects the values of a multi-valued attribute: `members[value eq "x"]`. */
  filter?: Filter;
  /** The sub-attribute to act on, of the attribute or of each selected value. */
  sub?: string;
}

const SUB_ATTR = /^\.([A-Za-z][A-Za-z0-9_-]*|\$ref)$/;

export function parsePatchPath(input: string, options: ParseOptions = {}): PatchPath {
  if (input.length > MAX_FILTER_LENGTH) throw invalidPath(`path is longer than ${MAX_FILTER_LENGTH} characters`);
  const text = input.trim();
  if (!text) throw invalidPath('path is empty');
  const open = text.indexOf('[');
  if (open < 0) return attribute(text, options);

  // Nothing before '[' can hold a string, so the first '[' opens the value filter.
  const head = attribute(text.slice(0, open), options);
  if (head.sub) {
    throw invalidPath(`a value filter follows a multi-valued attribute, not the sub-attribute '`
      + `${formatAttrPath(head)}'`);
  }
  const { filter, end } = parseValueFilter(text, open + 1, options);
  const rest = text.slice(end);
  if (!rest) return { ...head, filter };
  const sub = SUB_ATTR.exec(rest);
  if (!sub) throw invalidPath(`expected '.subAttribute' or the end of the path at position ${end}, found '${rest}'`);
  return { ...head, filter, sub: attribute(sub[1], options).attr };
}

function attribute(text: string, options: ParseOptions): PatchPath {
  const path = parseAttrPath(text, options);
  if (!path) throw invalidPath(`'${text}' is not an attribute path (name, name.subName or urn:...:name)`);
  return path;
}
