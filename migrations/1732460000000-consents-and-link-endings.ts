import type { MigrationInterface, QueryRunner } from 'typeorm';

// Issue 17, items 8 and 10.
//
// consents: what a user decided for an application (the scopes granted, the on-request claims
// approved and refused), one row per user and application. Until now the provider's Grant of
// one browser session was the only record, so a new device asked again and ending sessions
// forgot it. Each session's Grant is now made from this row (src/oidc/provider.ts,
// loadExistingGrant); ending sessions leaves it; revoking the consent, deleting the
// application or deleting the user removes it. There is no foreign key to clients: Foyer's
// own first-party clients (console, account pages) are not rows of that table. Existing
// grants seed it: per user and application the newest live one.
//
// one_time_tokens.ended_reason: why a link stopped working before it was used, so its page can
// say so: 'superseded' (a newer link of the same kind was sent) or 'cancelled' (the invitation
// was cancelled; the row then outlives the account, detached from it).
//
// down(): the consents go (each session's Grant still holds what it was given); links that
// ended early read as used, as before, and those of cancelled invitations, which no longer
// belong to anyone, are deleted.
export class ConsentsAndLinkEndings1732460000000 implements MigrationInterface {
  name = 'ConsentsAndLinkEndings1732460000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE consents (
        user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        client_id text NOT NULL,
        scopes text[] NOT NULL DEFAULT '{}',
        claims text[] NOT NULL DEFAULT '{}',
        rejected_claims text[] NOT NULL DEFAULT '{}',
        granted_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, client_id)
      )`);
    // An application's page lists who consented to it, and deleting it removes its consents.
    await q.query('CREATE INDEX consents_client_idx ON consents (client_id, user_id)');
    await q.query(`
      INSERT INTO consents (user_id, client_id, scopes, claims, rejected_claims, granted_at)
      SELECT DISTINCT ON (u.id, g.payload->>'clientId') u.id, g.payload->>'clientId',
             coalesce(string_to_array(nullif(g.payload->'openid'->>'scope', ''), ' '), '{}'),
             ARRAY(SELECT jsonb_array_elements_text(coalesce(g.payload->'openid'->'claims', '[]'::jsonb))),
             ARRAY(SELECT jsonb_array_elements_text(coalesce(g.payload->'rejected'->'openid'->'claims', '[]'::jsonb))),
             coalesce(to_timestamp((g.payload->>'iat')::bigint), now())
      FROM oidc_payloads g
      JOIN users u ON u.id = CASE WHEN g.account_id ~ '^[0-9]{1,18}$' THEN g.account_id::bigint END
      WHERE g.model = 'Grant' AND g.payload->>'clientId' IS NOT NULL
        AND (g.expires_at IS NULL OR g.expires_at > now())
      ORDER BY u.id, g.payload->>'clientId', (g.payload->>'iat')::bigint DESC NULLS LAST`);

    await q.query(`ALTER TABLE one_time_tokens ADD COLUMN ended_reason text
      CONSTRAINT one_time_tokens_ended_reason_check CHECK (ended_reason IN ('superseded', 'cancelled'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("DELETE FROM one_time_tokens WHERE ended_reason = 'cancelled' AND user_id IS NULL");
    await q.query('ALTER TABLE one_time_tokens DROP COLUMN ended_reason');
    await q.query('DROP TABLE consents');
  }
}
