/** `backup/:name` and `restore(/:name)`: a whole key, all versions, as Vault's plaintext backup string. */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { backupPolicy, restorePolicy } from './backup.js';
import type { TransitEnv } from './env.js';
import { goTime } from './format.js';

export function backupPaths(env: TransitEnv): PathDef[] {
  const { store } = env;
  const restore = async (_r: unknown, d: FieldData): Promise<Response | null> => {
    const backup = d.str('backup');
    if (!backup) throw badRequest("'backup' must be supplied");
    const name = d.str('name');
    if (name.includes('/')) throw badRequest('invalid key name');
    const p = restorePolicy(backup, name || undefined, env.now());
    await store.exclusive(p.name, async () => {
      if (!d.bool('force') && (await store.get(p.name))) throw badRequest(`key "${p.name}" already exists`);
      await store.put(p);
    });
    return null;
  };
  const restoreFields = {
    backup: { type: 'string' as const, sensitive: true, description: 'Backed up key data to be restored, as returned by backup/:name.' },
    name: { type: 'string' as const, description: 'If set, the name of the restored key.' },
    force: { type: 'bool' as const, default: false, description: 'Overwrite an existing key of the same name.' },
  };
  return [
    {
      pattern: 'backup/:name',
      fields: { name: { type: 'string', description: 'Name of the key' } },
      operations: {
        read: async (_r, d) => {
          const name = d.str('name');
          return store.exclusive(name, async () => {
            const p = await store.get(name);
            if (!p) throw badRequest(`key "${name}" not found`);
            if (!p.exportable) throw badRequest('exporting is disallowed on the policy');
            if (!p.allow_plaintext_backup) throw badRequest('plaintext backup is disallowed on the policy');
            p.backup_info = { time: goTime(env.now()), version: p.latest_version };
            await store.put(p);
            return { data: { backup: backupPolicy(p) } };
          });
        },
      },
      synopsis: 'Backup the named key',
    },
    { pattern: 'restore/:name', fields: restoreFields, operations: { update: restore }, synopsis: 'Restore the named key' },
    { pattern: 'restore', fields: restoreFields, operations: { update: restore }, synopsis: 'Restore the named key' },
  ];
}
