// SQL for the directory settings: named JSON values and the custom field definitions.
import { type Db } from '../db/database.js';
import type { CustomFieldDefinition } from './custom-fields.js';

interface CustomFieldRow {
  key: string;
  label: string;
  type: CustomFieldDefinition['type'];
  required: boolean;
  pattern: string | null;
  options: string[];
  default_privacy: CustomFieldDefinition['defaultPrivacy'];
  position: number;
}

const toDefinition = (r: CustomFieldRow): CustomFieldDefinition => ({
  key: r.key, label: r.label, type: r.type, required: r.required, pattern: r.pattern, options: r.options,
  defaultPrivacy: r.default_privacy, position: r.position,
});

export function createSettingsRepository(db: Db) {
  const q = (tx?: Db) => tx ?? db;
  return {
    async get(name: string): Promise<unknown> {
      const { rows } = await q().query<{ value: unknown }>('SELECT value FROM directory_settings WHERE name = $1',
        [name]);
      return rows[0]?.value;
    },

    async put(name: string, value: unknown, tx?: Db): Promise<void> {
      await q(tx).query(
        `INSERT INTO directory_settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [name, JSON.stringify(value)]);
    },

    async customFields(tx?: Db): Promise<CustomFieldDefinition[]> {
      const { rows } = await q(tx).query<CustomFieldRow>('SELECT * FROM custom_fields ORDER BY position, created_at, '
        + 'key');
      return rows.map(toDefinition);
    },

    async insertCustomField(d: CustomFieldDefinition, tx?: Db): Promise<void> {
      await q(tx).query(
        `INSERT INTO custom_fields (key, label, type, required, pattern, options, default_privacy, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [d.key, d.label, d.type, d.required, d.pattern, JSON.stringify(d.options), d.defaultPrivacy, d.position]);
    },

    async updateCustomField(d: CustomFieldDefinition, tx?: Db): Promise<boolean> {
      const { rowCount } = await q(tx).query(
        `UPDATE custom_fields SET label = $2, type = $3, required = $4, pattern = $5, options = $6,
           default_privacy = $7, position = $8
         WHERE key = $1`,
        [d.key, d.label, d.type, d.required, d.pattern, JSON.stringify(d.options), d.defaultPrivacy, d.position]);
      return (rowCount ?? 0) > 0;
    },

    async deleteCustomField(key: string, tx?: Db): Promise<boolean> {
      const { rowCount } = await q(tx).query('DELETE FROM custom_fields WHERE key = $1', [key]);
      return (rowCount ?? 0) > 0;
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
