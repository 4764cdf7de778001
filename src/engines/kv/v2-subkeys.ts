/**
 * KV v2 `subkeys/<path>`: the shape of a secret with every value replaced by null, so tools
 * can see which keys exist without permission to read the values.
 */
import type { PathDef } from '../../framework/backend.js';
import type { Response } from '../../framework/types.js';
import { isPlainObject } from './json-util.js';
import { inWindow } from './v2-data.js';
import { versionJSON } from './v2-shape.js';
import { isDeleted, type V2Store } from './v2-store.js';

/**
 * Leaves (non-objects, empty objects, and anything below maxDepth) become null. A maxDepth of
 * 0 means no limit; level 1 is the secret's top-level keys.
 */
export function stripValues(input: Record<string, unknown>, maxDepth: number, depth = 1): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    const deeper = depth + 1;
    const value = isPlainObject(v) && Object.keys(v).length > 0 && (maxDepth === 0 || deeper <= maxDepth)
      ? stripValues(v, maxDepth, deeper)
      : null;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function subkeysPath(store: V2Store): PathDef {
  return {
    pattern: 'subkeys/*path',
    fields: {
      path: { type: 'string', description: 'Location of the secret.' },
      depth: { type: 'int', description: 'How many levels of keys to return; 0 (the default) means all.' },
      version: { type: 'int', description: 'The version to describe; the latest when absent or 0.' },
    },
    synopsis: 'Read the key structure of a secret with its values removed.',
    operations: {
      read: async (_req, d): Promise<Response | null> => {
        const path = d.str('path');
        const meta = await store.meta(path);
        if (!meta) return null;
        const wanted = d.int('version');
        const n = wanted > 0 ? wanted : meta.current_version;
        if (!inWindow(meta, n)) return null;
        const rec = await store.version(path, n);
        if (!rec) return null;
        const metadata = versionJSON(n, rec, meta);
        if (rec.destroyed || isDeleted(rec, store.now())) return { status: 404, data: { metadata, subkeys: null } };
        return { data: { metadata, subkeys: stripValues(rec.data ?? {}, d.int('depth')) } };
      },
    },
  };
}
