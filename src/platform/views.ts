// Server-rendered pages. Nunjucks with autoescape: anything a user typed is escaped.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nunjucks from 'nunjucks';

const VIEWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');

export interface Views {
  render(template: string, data?: Record<string, unknown>): string;
}

export function createViews({ productName = 'Foyer', watch = false } = {}): Views {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS_DIR, { watch, noCache: watch }), {
    autoescape: true,
    throwOnUndefined: false,
  });
  env.addGlobal('productName', productName);
  return {
    render: (template, data = {}) => env.render(template, data),
  };
}
