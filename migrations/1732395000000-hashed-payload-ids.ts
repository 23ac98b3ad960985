import type { MigrationInterface, QueryRunner } from 'typeorm';

// Why: provider payloads were stored under their ids in clear (tokens, codes, session cookies),
// so a database backup could be replayed; the adapter now stores SHA-256 (hex) of those ids
// and this rewrites the rows stored before it (the same hash as adapter.ts hashPayloadId).
const HASHED_MODELS = "model NOT IN ('Grant', 'PushedAuthorizationRequest', 'ReplayDetection')";
const sha256 = (expr: string) => `encode(sha256(convert_to(${expr}, 'UTF8')), 'hex')`;

export class HashedPayloadIds1732395000000 implements MigrationInterface {
  name = 'HashedPayloadIds1732395000000';

  async up(q: QueryRunner): Promise<void> {
    // jti is the id itself: the adapter puts it back from the id it is asked for.
    await q.query(`UPDATE oidc_payloads SET id = ${sha256('id')},
        payload = CASE WHEN payload->>'jti' = id THEN payload - 'jti' ELSE payload END
      WHERE ${HASHED_MODELS}`);
    // An interaction keeps a copy of its session's cookie, which the provider never reads back.
    await q.query(`UPDATE oidc_payloads
      SET payload = jsonb_set(payload, '{session,cookie}', to_jsonb(${sha256("payload#>>'{session,cookie}'")}))
      WHERE model = 'Interaction' AND jsonb_typeof(payload#>'{session,cookie}') = 'string'`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A hash cannot be turned back into the id: those sessions and tokens end (users sign in again).
    await q.query(`DELETE FROM oidc_payloads WHERE ${HASHED_MODELS}`);
  }
}
