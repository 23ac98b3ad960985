import type { MigrationInterface, QueryRunner } from 'typeorm';

// Logins as identity providers send them (issue 16, item 6): a login may now be an email
// address (Entra ID's userPrincipalName), so logins and email addresses become one namespace,
// case-insensitively: no login equals another user's email address, and no email address
// another user's login (a user's login may be their own email address). The sign-in page then
// finds an e-mail-form value as either, without ambiguity.
//
// A unique index cannot compare two columns of different rows, so triggers check it. Same-kind
// duplicates stay with users_login_key and users_email_key (ON CONFLICT keeps working on them):
// the triggers only look across. Two writers of one value, one as login and the other as email,
// would each miss the other's uncommitted row, so each takes a transaction-level advisory lock
// for every value it wrote, then looks: the second waits for the first to commit or roll back,
// and its look, a new statement with a new snapshot (READ COMMITTED, what Foyer runs), sees the
// row. The locks are by bucket (256 of them, keyed under this migration's number): one lock per
// value would take a lock-table slot per value, and the dev seeder (50,000 rows a statement) ran
// PostgreSQL out of shared memory; CSV import batches (1,000 rows) came close. A bulk insert holds
// at most the 256; unrelated values sharing a bucket only wait for each other's commit.
//
// Inserts are checked once per statement, set-based over the inserted rows (in bucket order,
// so two statements cannot deadlock on their locks); changes of login or email row by row (the
// services change one user at a time). The refusal is a unique_violation (23505) named
// users_identifier_unique, its COLUMN saying which identifier it was about, so the services map
// it to that field's "already in use" as they do the unique indexes'.
//
// The login column is text (no length limit) and users_login_key is on lower(login): 256
// characters fit. down() drops the triggers; logins the wider rule let in stay as they are.
const LOCK_CLASS = 1732410000;
const BUCKETS = 255; // a mask: 256 buckets

/** PL/pgSQL: the advisory locks of the values `valuesSql` yields as `v` (nulls allowed), in bucket order. */
const lockValues = (valuesSql: string) => `
  PERFORM pg_advisory_xact_lock(${LOCK_CLASS}, bucket) FROM (
    SELECT DISTINCT hashtext(lower(v)) & ${BUCKETS} AS bucket FROM ${valuesSql} WHERE v IS NOT NULL ORDER BY 1
  ) AS buckets;`;

/** PL/pgSQL: raise the violation for `column` (login or email). */
const refuse = (column: 'login' | 'email', message: string) => `
  RAISE EXCEPTION '${message}' USING ERRCODE = 'unique_violation', CONSTRAINT = 'users_identifier_unique',
    TABLE = 'users', COLUMN = '${column}';`;

// Inside the function's SQL string literal, a quote is written twice.
const LOGIN_TAKEN = "this login is another user''s email address";
const EMAIL_TAKEN = "this email address is another user''s login";

export class LoginAsRealIdpsSendIt1732410000000 implements MigrationInterface {
  name = 'LoginAsRealIdpsSendIt1732410000000';

  async up(q: QueryRunner): Promise<void> {
    // Logins could not contain '@' until now, so no row should clash; refuse to go on if one does.
    const clashes: { n: number }[] = await q.query(
      `SELECT count(*)::int AS n FROM users a JOIN users b ON lower(a.login) = lower(b.email) AND a.id <> b.id
        WHERE a.login IS NOT NULL AND b.email IS NOT NULL`);
    if (clashes[0].n > 0) {
      throw new Error(`${clashes[0].n} user(s) have a login that is another user's email address; `
        + 'change those logins or addresses first');
    }
    await q.query(`CREATE FUNCTION users_identifier_unique_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${lockValues('new_users, unnest(ARRAY[new_users.login, new_users.email]) AS v')}
        IF EXISTS (SELECT 1 FROM new_users n JOIN users u ON u.email IS NOT NULL AND lower(u.email) = lower(n.login)
            AND u.id <> n.id WHERE n.login IS NOT NULL) THEN
          ${refuse('login', LOGIN_TAKEN)}
        END IF;
        IF EXISTS (SELECT 1 FROM new_users n JOIN users u ON u.login IS NOT NULL AND lower(u.login) = lower(n.email)
            AND u.id <> n.id WHERE n.email IS NOT NULL) THEN
          ${refuse('email', EMAIL_TAKEN)}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER users_identifier_unique_inserted AFTER INSERT ON users
      REFERENCING NEW TABLE AS new_users FOR EACH STATEMENT EXECUTE FUNCTION users_identifier_unique_inserted()`);

    await q.query(`CREATE FUNCTION users_identifier_unique_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${lockValues('unnest(ARRAY[NEW.login, NEW.email]) AS v')}
        IF NEW.login IS NOT NULL AND EXISTS (SELECT 1 FROM users
            WHERE email IS NOT NULL AND lower(email) = lower(NEW.login) AND id <> NEW.id) THEN
          ${refuse('login', LOGIN_TAKEN)}
        END IF;
        IF NEW.email IS NOT NULL AND EXISTS (SELECT 1 FROM users
            WHERE login IS NOT NULL AND lower(login) = lower(NEW.email) AND id <> NEW.id) THEN
          ${refuse('email', EMAIL_TAKEN)}
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER users_identifier_unique_changed AFTER UPDATE OF login, email ON users
      FOR EACH ROW WHEN (OLD.login IS DISTINCT FROM NEW.login OR OLD.email IS DISTINCT FROM NEW.email)
      EXECUTE FUNCTION users_identifier_unique_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS users_identifier_unique_changed ON users');
    await q.query('DROP TRIGGER IF EXISTS users_identifier_unique_inserted ON users');
    await q.query('DROP FUNCTION IF EXISTS users_identifier_unique_changed()');
    await q.query('DROP FUNCTION IF EXISTS users_identifier_unique_inserted()');
  }
}
