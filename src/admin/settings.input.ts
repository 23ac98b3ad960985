// What the settings forms accept, before the settings service checks what the values mean:
// each field bounded and free of control characters (newlines only in a choice field's
// options), the character classes as a list. Only the fields sent are passed on, so a
// form that leaves a setting out leaves it as it is.
import { z } from 'zod';
import { ValidationError } from '../platform/errors.js';
import { fieldMessages, multiLineText, text, textList } from '../platform/http/input.js';

type Form = Record<string, string | string[] | undefined>;

const FIELD_SCHEMAS: Record<string, z.ZodType> = {
  requiredClasses: textList(20, 20),
  options: multiLineText(10_000),
  pattern: text(1000),
};
const OTHER = text(200);

export function parseSettingsForm(form: Form): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k === '_csrf') continue;
    const parsed = (FIELD_SCHEMAS[k] ?? OTHER).safeParse(v);
    if (parsed.success) input[k] = parsed.data;
    else Object.assign(errors, { [k]: Object.values(fieldMessages(parsed.error))[0] });
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return input;
}
