// Fails when a template in views/ carries a style attribute: page styles live in the
// layout's stylesheet (classes), so the Content-Security-Policy can keep narrowing
// style-src. Mail templates are exempt: mail clients drop <style>, HTML mail needs them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = 'views';
const EXEMPT = [join(ROOT, 'mail')];
const STYLE_ATTRIBUTE = /<[a-zA-Z][^>]*?\sstyle\s*=/g;

function* templates(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (EXEMPT.includes(path)) continue;
    if (entry.isDirectory()) yield* templates(path);
    else if (entry.name.endsWith('.njk')) yield path;
  }
}

let found = 0;
for (const path of templates(ROOT)) {
  const text = readFileSync(path, 'utf8');
  for (const match of text.matchAll(STYLE_ATTRIBUTE)) {
    const line = text.slice(0, match.index).split('\n').length;
    console.error(`${relative('.', path)}:${line}: style attribute; use a class in views/layout.njk's stylesheet`);
    found += 1;
  }
}
if (found) {
  console.error(`${found} style attribute(s) in views/`);
  process.exit(1);
}
