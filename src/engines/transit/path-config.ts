/** `config/keys`: mount-wide key settings; today only `disable_upsert` (encrypt may not create keys). */
import type { PathDef } from '../../framework/backend.js';
import type { LogicalStorage } from '../../framework/types.js';

interface KeysConfig { disable_upsert: boolean }

const KEY = 'config/keys';

export async function readKeysConfig(storage: LogicalStorage): Promise<KeysConfig> {
  return (await storage.getJSON<KeysConfig>(KEY)) ?? { disable_upsert: false };
}

export function configPaths(storage: LogicalStorage): PathDef[] {
  return [{
    pattern: 'config/keys',
    fields: { disable_upsert: { type: 'bool', description: 'Whether to disable upserting (creating keys on first encrypt).' } },
    operations: {
      read: async () => ({ data: { ...(await readKeysConfig(storage)) } }),
      update: async (_r, d) => {
        const cfg = await readKeysConfig(storage);
        const v = d.getOk<boolean>('disable_upsert');
        if (v !== undefined) cfg.disable_upsert = v;
        await storage.putJSON(KEY, cfg);
        return { data: { ...cfg } };
      },
    },
    synopsis: 'Configuration common across all keys',
  }];
}
