// Lint and format rules for Foyer (issue 15 item 8). `npm run lint` runs this with
// --max-warnings 0; `npm run format` runs it with --fix. Layer rules live in
// .dependency-cruiser.cjs. typescript-eslint's recommended rules are the non-type-checked
// set on purpose: it keeps a full run in seconds.
import js from '@eslint/js';
import stylistic from '@stylistic/eslint-plugin';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const SQL_MESSAGE = 'SQL belongs in a *.repository.ts or *.query.ts file (or src/db/, migrations/).';

// SQL keywords that open a statement. Single words that are also English ("Select a user",
// "Create an application", "Drop the file") only count when followed by what SQL puts there.
const SQL_START = String.raw`^\s*(SELECT\s+(DISTINCT\b|\*|COUNT\(|EXISTS\b|1\b|[\w."]+\s*(,|\bAS\b|\bFROM\b))`
  + String.raw`|INSERT\s+INTO\b|UPDATE\s+"?\w+"?\s+SET\b|DELETE\s+FROM\b|WITH\s+(RECURSIVE\s+)?\w+\s+AS\s*\(`
  + String.raw`|CREATE\s+(UNIQUE\s+)?(TABLE|INDEX|EXTENSION|TYPE|SCHEMA|VIEW|SEQUENCE|FUNCTION|TRIGGER)\b`
  + String.raw`|ALTER\s+(TABLE|TYPE|INDEX|SEQUENCE)\b|DROP\s+(TABLE|INDEX|TYPE|EXTENSION|SCHEMA|VIEW|SEQUENCE)\b`
  + String.raw`|TRUNCATE\s+(TABLE\s+)?"?\w|LISTEN\s+"?\w|NOTIFY\s+"?\w)`;
// "... FROM some_table ... WHERE ..." anywhere in the text; upper case, as SQL is written here.
const SQL_FROM_WHERE = String.raw`\bFROM\s+"?[a-z_][\w."]*[\s\S]*\sWHERE\s`;

const sqlSelectors = [{
  selector: `:matches(Literal[value=/${SQL_START}/i], Literal[value=/${SQL_FROM_WHERE}/], `
    + `TemplateElement[value.raw=/${SQL_START}/i], TemplateElement[value.raw=/${SQL_FROM_WHERE}/])`,
  message: SQL_MESSAGE,
}];

const FUNCTION_LITERAL = ':matches(ArrowFunctionExpression, FunctionExpression[id=null])';
const middlewareSelectors = [
  {
    selector: `CallExpression[callee.property.name='use'] > ${FUNCTION_LITERAL}.arguments`,
    message: 'Name the middleware function (`async function requestId(ctx, next) {...}`) so stacks and profiles say what it is.',
  },
  {
    selector: `CallExpression[callee.name='compose'] > ArrayExpression > ${FUNCTION_LITERAL}`,
    message: 'Name the middleware function (`async function requestId(ctx, next) {...}`) so stacks and profiles say what it is.',
  },
];

export default defineConfig(
  {
    ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', 'public/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'migrations/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@stylistic': stylistic },
    rules: {
      // --- formatting (matches the existing code; --fix applies all but max-len) ---
      '@stylistic/max-len': ['error', {
        code: 120, tabWidth: 2, ignoreUrls: true, ignoreRegExpLiterals: true,
        ignoreStrings: false, ignoreTemplateLiterals: false, ignoreComments: false,
      }],
      '@stylistic/indent': ['error', 2, {
        SwitchCase: 1, flatTernaryExpressions: true, offsetTernaryExpressions: false,
        // A signature wrapped before its parameter or return type keeps the continuation indent it was given.
        ignoredNodes: ['TSTypeAnnotation'],
      }],
      '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
      '@stylistic/semi': ['error', 'always'],
      '@stylistic/semi-spacing': 'error',
      '@stylistic/semi-style': ['error', 'last'],
      '@stylistic/no-extra-semi': 'error',
      '@stylistic/comma-dangle': ['error', 'always-multiline'],
      '@stylistic/comma-spacing': 'error',
      '@stylistic/comma-style': 'error',
      '@stylistic/object-curly-spacing': ['error', 'always'],
      '@stylistic/array-bracket-spacing': ['error', 'never'],
      '@stylistic/computed-property-spacing': 'error',
      '@stylistic/space-in-parens': 'error',
      '@stylistic/template-curly-spacing': 'error',
      '@stylistic/key-spacing': 'error',
      '@stylistic/keyword-spacing': 'error',
      '@stylistic/space-before-blocks': 'error',
      '@stylistic/space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
      '@stylistic/space-infix-ops': 'error',
      '@stylistic/space-unary-ops': 'error',
      '@stylistic/arrow-spacing': 'error',
      '@stylistic/arrow-parens': ['error', 'always'],
      '@stylistic/block-spacing': 'error',
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }],
      '@stylistic/function-call-spacing': 'error',
      '@stylistic/rest-spread-spacing': 'error',
      '@stylistic/generator-star-spacing': ['error', { before: false, after: true, method: { before: true, after: false } }],
      '@stylistic/yield-star-spacing': ['error', 'after'],
      '@stylistic/dot-location': ['error', 'property'],
      '@stylistic/new-parens': 'error',
      '@stylistic/no-trailing-spaces': 'error',
      '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxBOF: 0, maxEOF: 0 }],
      '@stylistic/eol-last': 'error',
      '@stylistic/no-tabs': 'error',
      '@stylistic/no-mixed-spaces-and-tabs': 'error',
      '@stylistic/no-multi-spaces': ['error', { ignoreEOLComments: true }],
      '@stylistic/no-whitespace-before-property': 'error',
      '@stylistic/spaced-comment': ['error', 'always', { markers: ['/'], block: { balanced: true } }],
      '@stylistic/quote-props': ['error', 'as-needed'],
      '@stylistic/type-annotation-spacing': 'error',
      '@stylistic/type-generic-spacing': 'error',
      '@stylistic/type-named-tuple-spacing': 'error',
      '@stylistic/member-delimiter-style': ['error', {
        multiline: { delimiter: 'semi', requireLast: true },
        singleline: { delimiter: 'semi', requireLast: false },
      }],
      '@stylistic/wrap-iife': ['error', 'inside'],
      '@stylistic/padded-blocks': ['error', 'never'],

      // --- code ---
      'no-control-regex': 'off', // input checks match control characters on purpose
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true,
      }],
      'no-restricted-properties': ['error', {
        object: 'process', property: 'env', message: 'Read the environment in src/config/ only; take the Config as a parameter.',
      }],
      'no-restricted-imports': ['error', {
        paths: ['process', 'node:process'].map((name) => ({
          name, importNames: ['env'], message: 'Read the environment in src/config/ only.',
        })),
      }],
      'no-restricted-syntax': ['error', ...sqlSelectors, ...middlewareSelectors],
    },
  },
  {
    // The environment is read in src/config/; tests and benchmarks set up their own.
    files: ['src/config/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-properties': 'off',
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...sqlSelectors, ...middlewareSelectors] },
  },
  {
    // Where SQL may be written.
    files: [
      'src/**/*.repository.ts', 'src/**/*.query.ts', 'src/oidc/adapter.ts', 'src/platform/http/health.routes.ts',
      'src/db/**/*.ts', 'migrations/**/*.ts',
    ],
    rules: {
      'no-restricted-syntax': ['error', ...middlewareSelectors],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: { 'no-restricted-syntax': ['error', ...middlewareSelectors] },
  },
);
