// Makes the audit insert of one action fail inside PostgreSQL, so a test can see that the
// change it records is rolled back with it (one unit of work per audited write).
import type { Db } from '../../src/db/database.js';

/** From now on, inserting an audit event whose action is `action` raises; returns the undo. */
export async function failAuditOf(db: Db, action: string): Promise<() => Promise<void>> {
  const name = `fail_audit_${action.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
  await db.query(`CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit insert refused for the test'; END $$`);
  await db.query(`CREATE TRIGGER ${name} BEFORE INSERT ON audit_events FOR EACH ROW
    WHEN (NEW.action = '${action.replace(/'/g, "''")}') EXECUTE FUNCTION ${name}()`);
  return async () => {
    await db.query(`DROP TRIGGER IF EXISTS ${name} ON audit_events`);
    await db.query(`DROP FUNCTION IF EXISTS ${name}()`);
  };
}
