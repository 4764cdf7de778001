/** KV v2 `config`: engine-wide defaults every secret inherits unless its metadata overrides them. */
import type { PathDef } from '../../framework/backend.js';
import { formatDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import type { V2Store } from './v2-store.js';

export function configPath(store: V2Store): PathDef {
  return {
    pattern: 'config',
    fields: {
      max_versions: { type: 'int', description: 'How many versions to keep per secret (default 10).' },
      cas_required: { type: 'bool', description: 'Require the cas option on every write.' },
      delete_version_after: {
        // Signed, as in Vault: a negative value is the "disabled for every secret" marker.
        type: 'signed_duration',
        description: 'Delete each version this long after it is written. "0s" clears the setting; a negative value disables it for every secret.',
      },
    },
    synopsis: 'Engine-wide settings applied to every secret.',
    operations: {
      read: async () => ({
        data: {
          cas_required: store.config.cas_required,
          delete_version_after: formatDuration(store.config.delete_version_after),
          max_versions: store.config.max_versions,
        },
      }),
      update: async (_req, d) => {
        const max = d.getOk<number>('max_versions');
        const cas = d.getOk<boolean>('cas_required');
        const dva = d.getOk<number>('delete_version_after');
        if (max === undefined && cas === undefined && dva === undefined) return null;
        if (max !== undefined && max < 0) throw badRequest(`error converting input ${JSON.stringify(d.raw.max_versions)} for field "max_versions": cannot provide negative value`);
        const next = { ...store.config };
        if (max !== undefined) next.max_versions = max;
        if (cas !== undefined) next.cas_required = cas;
        // Vault keeps any negative value as -1s, its "disabled" marker.
        if (dva !== undefined) next.delete_version_after = dva < 0 ? -1 : dva;
        await store.saveConfig(next);
        return null;
      },
    },
  };
}
