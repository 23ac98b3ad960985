import type { MigrationInterface, QueryRunner } from 'typeorm';

// What SCIM clients filter and count by, at a million users (npm run bench:scim):
// - every list counts the people (service accounts are not provisioned): a partial index
//   keeps that count an index-only scan;
// - `userName sw "…"` and `emails.value sw "…"`: LIKE 'prefix%' on lower(login) / lower(email)
//   needs a pattern-ops index under a non-C collation (the unique indexes cannot serve it);
// - `name.familyName eq` / `name.givenName eq` compare lower(…), which nothing indexed.
const INDEXES: [string, string][] = [
  ['users_people_idx', 'ON users (id) WHERE NOT service_account'],
  ['users_login_pattern_idx', 'ON users (lower(login) text_pattern_ops)'],
  ['users_email_pattern_idx', 'ON users (lower(email) text_pattern_ops)'],
  ['users_family_name_idx', 'ON users (lower(family_name))'],
  ['users_given_name_idx', 'ON users (lower(given_name))'],
];

export class ScimFilterIndexes1732500000000 implements MigrationInterface {
  name = 'ScimFilterIndexes1732500000000';

  async up(q: QueryRunner): Promise<void> {
    for (const [name, definition] of INDEXES) await q.query(`CREATE INDEX ${name} ${definition}`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [name] of [...INDEXES].reverse()) await q.query(`DROP INDEX ${name}`);
  }
}
