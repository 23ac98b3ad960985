// What the organization forms accept: a name (the path id is parsed by params.input.ts).
import { z } from 'zod';
import { parseInput, text } from '../platform/http/input.js';

const organizationForm = z.object({ name: text(200) });
export const parseOrganizationForm = (form: Record<string, string | string[]
  | undefined>): string => parseInput(organizationForm, form).name;
