// Everything the console can change, as one comparable value: tests compare it before and
// after a refused request to prove that nothing changed.
import type { DataSource } from 'typeorm';

export async function directoryState(dataSource: DataSource): Promise<Record<string, unknown>> {
  const [row] = await dataSource.query(`SELECT
    (SELECT md5(coalesce(string_agg(u::text, '|' ORDER BY u.id), '')) FROM users u) AS users,
    (SELECT md5(coalesce(string_agg(o::text, '|' ORDER BY o.id), '')) FROM organizations o) AS organizations,
    (SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s.name), '')) FROM directory_settings s) AS settings,
    (SELECT md5(coalesce(string_agg(c::text, '|' ORDER BY c.key), '')) FROM custom_fields c) AS custom_fields,
    (SELECT md5(coalesce(string_agg(g::text, '|' ORDER BY g.id), '')) FROM groups g) AS groups,
    (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.group_id, m.user_id), '')) FROM group_members m)
      AS group_members,
    (SELECT md5(coalesce(string_agg(k.key_hash, '|' ORDER BY k.id), '')) FROM api_keys k) AS api_keys,
    (SELECT md5(coalesce(string_agg(c::text, '|' ORDER BY c.client_id), '')) FROM clients c) AS clients,
    (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.client_id, m.user_id), '')) FROM client_members m)
      AS client_members,
    (SELECT count(*)::int FROM audit_events) AS audit_events`);
  return row;
}
