// The statements of `dev seed-users` (seed-users.ts).

// The share of users in each status is a range of one random number, so the statuses
// under test (blocked, locked, invited, reset pending, deletion scheduled) do not overlap:
//   [0, .010) blocked · [.010, .015) locked · [.015, .025) invited ·
//   [.025, .030) reset required · [.030, .032) deletion scheduled · the rest active.
// A scheduled deletion is due from an hour to two weeks ahead (the default grace period), as if
// the user had just asked: the purge leaves them for the grace period, as it would a real request.
// Independent of that: ~5% unverified email, ~half with a phone (half of those unverified),
// ~2% managers, ~0.02% administrators, ~90% in an organization.
//
// Identifiers carry the row's id (taken from the users sequence, as the column default
// would), so they are unique however often the seeder runs; the phone number is a bijection
// of the id within its prefix (unique for ids below 128 million). ON CONFLICT DO NOTHING
// only guards against a hand-made user who happens to own one of those identifiers: such
// rows are skipped and made up in the next statement.
export const INSERT_USERS = `
INSERT INTO users (
  id, login, email, email_verified, phone_number, phone_number_verified, nickname, given_name, family_name,
  birthdate, picture, password_hash, password_updated_at, role, organization_id, blocked, blocked_at,
  locked_at, locked_reason, locked_until, deletion_scheduled_at, invited_at, password_reset_required,
  last_sign_in_at, created_at, updated_at)
SELECT id, login, login || '@' || domain, NOT invited AND r_email >= 0.05,
  CASE WHEN r_phone < 0.5 THEN '+' || phone_prefix || (2000000 + (id / 16) * 7919 % 8000000)::text END,
  r_phone < 0.25,
  nickname, given, family, birthdate, picture,
  CASE WHEN NOT invited THEN $9 END,
  CASE WHEN NOT invited THEN created_at END,
  role, organization_id,
  blocked, CASE WHEN blocked THEN created_at + random() * (now() - created_at) END,
  CASE WHEN locked THEN now() - random() * interval '20 days' END,
  CASE WHEN locked THEN ($7::text[])[1 + floor(random() * cardinality($7::text[]))::int] END,
  CASE WHEN locked AND random() < 0.6 THEN now() + (1 + random() * 72) * interval '1 hour' END,
  CASE WHEN r_status >= 0.030 AND r_status < 0.032 THEN now() + interval '1 hour' + random() * interval '13 days' END,
  CASE WHEN invited THEN created_at END,
  r_status >= 0.025 AND r_status < 0.030,
  last_sign_in_at, created_at,
  greatest(created_at, last_sign_in_at)
FROM (
  SELECT *,
    CASE
      WHEN r_login < 0.70 THEN given_ascii || '.' || family_ascii || id
      WHEN r_login < 0.85 THEN left(given_ascii, 1) || family_ascii || id
      ELSE given_ascii || '_' || left(family_ascii, 1) || id
    END AS login,
    CASE
      WHEN r_nick < 0.80 THEN given || ' ' || family
      WHEN r_nick < 0.88 THEN given || ' ' || left(family, 1) || '.'
      WHEN r_nick < 0.94 THEN given
      WHEN r_nick < 0.97 THEN given_ascii || '_' || left(family_ascii, 3)
    END AS nickname,
    CASE WHEN NOT invited AND r_sign_in < 0.9 THEN created_at + random() * (now() - created_at) END AS last_sign_in_at,
    CASE
      WHEN r_role < 0.0002 THEN 'ADMIN'
      WHEN r_role < 0.0202 AND org_count > 0 THEN 'MANAGER'
      ELSE 'MEMBER'
    END AS role,
    CASE WHEN org_count > 0 AND (r_org < 0.9 OR r_role < 0.0202)
      THEN ($8::int[])[1 + floor(power(random(), 1.5) * org_count)::int] END AS organization_id
  FROM (
    SELECT *,
      ($1::text[])[name_index] AS given, ($2::text[])[name_index] AS given_ascii,
      ($3::text[])[family_index] AS family, ($4::text[])[family_index] AS family_ascii,
      ($5::text[])[1 + (id % cardinality($5::text[]))::int] AS domain,
      ($6::text[])[1 + (id % cardinality($6::text[]))::int] AS phone_prefix,
      r_status < 0.010 AS blocked,
      r_status >= 0.010 AND r_status < 0.015 AS locked,
      r_status >= 0.015 AND r_status < 0.025 AS invited,
      CASE WHEN r_status >= 0.015 AND r_status < 0.025
        THEN now() - random() * interval '60 days'
        ELSE now() - random() * interval '3 years' END AS created_at,
      CASE WHEN r_birth < 0.3 THEN date '1950-01-01' + floor(random() * 20000)::int END AS birthdate,
      CASE WHEN r_picture < 0.2 THEN 'https://avatars.example.com/' || id || '.png' END AS picture,
      cardinality($8::int[]) AS org_count
    FROM (
      -- Volatile columns keep this subquery from being flattened: every random() below is
      -- drawn once per row. The power skews the pick towards the front of the name lists
      -- (Smith ~3%, as common surnames are).
      SELECT nextval('users_id_seq') AS id,
        1 + floor(power(random(), 1.5) * cardinality($1::text[]))::int AS name_index,
        1 + floor(power(random(), 1.5) * cardinality($3::text[]))::int AS family_index,
        random() AS r_status, random() AS r_role, random() AS r_org, random() AS r_email, random() AS r_phone,
        random() AS r_login, random() AS r_nick, random() AS r_sign_in, random() AS r_birth, random() AS r_picture
      FROM generate_series(1, $10::int)
    ) draws
  ) named
) shaped
ON CONFLICT DO NOTHING`;

/** New organizations from parallel name and slug arrays ($1, $2), created over the last few years. */
export const INSERT_ORGANIZATIONS = `INSERT INTO organizations (name, slug, created_at)
  SELECT name, slug, now() - interval '3 years' - random() * interval '1 year'
  FROM unnest($1::text[], $2::text[]) AS o (name, slug)
  RETURNING id`;

/** Merges the pending lists of the users table's GIN indexes. */
export const CLEAN_GIN_PENDING_LISTS = `SELECT gin_clean_pending_list(i.indexrelid)
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
  WHERE i.indrelid = 'users'::regclass AND a.amname = 'gin'`;
