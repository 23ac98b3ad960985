import type { MigrationInterface, QueryRunner } from 'typeorm';

// The users list sorts by the name it shows (publicName in src/users/public-name.ts:
// nickname, else "First Last", else login, email or phone), not by the nickname alone, which
// put every user without one first. The index is on that expression, so keyset pages stay an
// index scan at a million users; it replaces the nickname-only one.
const PUBLIC_NAME_SORT_SQL = `lower(coalesce(nullif(nickname, ''),
  nullif(btrim(coalesce(given_name, '') || ' ' || coalesce(family_name, '')), ''),
  nullif(login, ''), nullif(email, ''), nullif(phone_number, ''), ''))`;

export class PublicNameSort1732480000000 implements MigrationInterface {
  name = 'PublicNameSort1732480000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX users_sort_name_idx');
    await q.query(`CREATE INDEX users_sort_public_name_idx ON users ((${PUBLIC_NAME_SORT_SQL}), id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX users_sort_public_name_idx');
    await q.query(`CREATE INDEX users_sort_name_idx ON users ((lower(coalesce(nickname, ''))), id)`);
  }
}
