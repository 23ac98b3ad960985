// SQL for the directory settings: named JSON values and the custom field definitions.
import type { DataSource, EntityManager } from 'typeorm';
import type { CustomFieldDefinition } from '../users/custom-fields.js';

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

export function createSettingsRepository(dataSource: DataSource) {
  const q = (manager?: EntityManager) => manager ?? dataSource.manager;
  return {
    async get(name: string): Promise<unknown> {
      const rows: { value: unknown }[] = await q().query('SELECT value FROM directory_settings WHERE name = $1', [name]);
      return rows[0]?.value;
    },

    async put(name: string, value: unknown, manager?: EntityManager): Promise<void> {
      await q(manager).query(
        `INSERT INTO directory_settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [name, JSON.stringify(value)]);
    },

    async customFields(manager?: EntityManager): Promise<CustomFieldDefinition[]> {
      const rows: CustomFieldRow[] = await q(manager).query('SELECT * FROM custom_fields ORDER BY position, created_at, key');
      return rows.map(toDefinition);
    },

    async insertCustomField(d: CustomFieldDefinition, manager?: EntityManager): Promise<void> {
      await q(manager).query(
        `INSERT INTO custom_fields (key, label, type, required, pattern, options, default_privacy, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [d.key, d.label, d.type, d.required, d.pattern, JSON.stringify(d.options), d.defaultPrivacy, d.position]);
    },

    async updateCustomField(d: CustomFieldDefinition, manager?: EntityManager): Promise<boolean> {
      const [, count] = await q(manager).query(
        `UPDATE custom_fields SET label = $2, type = $3, required = $4, pattern = $5, options = $6, default_privacy = $7, position = $8
         WHERE key = $1`,
        [d.key, d.label, d.type, d.required, d.pattern, JSON.stringify(d.options), d.defaultPrivacy, d.position]);
      return count > 0;
    },

    async deleteCustomField(key: string, manager?: EntityManager): Promise<boolean> {
      const [, count] = await q(manager).query('DELETE FROM custom_fields WHERE key = $1', [key]);
      return count > 0;
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
