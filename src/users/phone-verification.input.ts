// The form that takes a phone verification code back, wherever a page asks for one (the
// account page; later self-registration): 6 digits, spaces and dashes ignored ("123 456").
import { z } from 'zod';
import { parseInput, text } from '../platform/http/input.js';

type Form = Record<string, string | string[] | undefined>;

const TYPE_THE_CODE = 'Type the 6-digit code from the text message.';

const phoneCodeForm = z.object({
  code: text(40).transform((s) => s.replace(/[\s-]/g, '')).refine((s) => /^[0-9]{6}$/.test(s), TYPE_THE_CODE),
});

/** The typed code, or a ValidationError on `code`. */
export function parsePhoneCodeForm(form: Form): string {
  return parseInput(phoneCodeForm, form).code;
}
