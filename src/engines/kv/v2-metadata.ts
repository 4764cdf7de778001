/**
 * KV v2 `metadata/<path>`: a secret's version history and settings (max_versions,
 * cas_required, delete_version_after, custom_metadata); LIST walks the secret tree;
 * DELETE removes the secret and every version for good.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { formatDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import { normalizeCustomMetadata, parseCustomMetadata, validateCustomMetadata } from './custom-metadata.js';
import { goTime, isPlainObject, mergePatch } from './json-util.js';
import { emptyNotFound } from './v2-data.js';
import { newMeta, type KeyMeta, type StorageOp, type V2Store } from './v2-store.js';

const fields: FieldTable = {
  path: { type: 'string', description: 'Location of the secret.' },
  cas_required: { type: 'bool', description: 'Require the cas option on every write of this secret. When false, the engine setting applies.' },
  max_versions: { type: 'int', description: 'How many versions of this secret to keep. 0 means the engine setting (default 10).' },
  delete_version_after: {
    type: 'duration',
    description: 'Delete each version this long after it is written ("0s" clears the setting). The shorter of this and the engine setting applies.',
  },
  custom_metadata: { type: 'map', description: 'Arbitrary string key/value pairs describing the secret, independent of its versions.' },
};

const CAS_WARNING = '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

/** Field values Vault rejects although they parse: negative counts and durations. */
function nonNegative(d: FieldData, name: string): number | undefined {
  const v = d.getOk<number>(name);
  if (v !== undefined && v < 0) throw badRequest(`error converting input ${JSON.stringify(d.raw[name])} for field "${name}": cannot provide negative value`);
  return v;
}

/** A secret's name for writes: required, and never a folder. */
function secretPath(d: FieldData): string {
  const path = d.str('path');
  if (!path) throw badRequest('missing path');
  if (path.endsWith('/')) throw badRequest(`invalid secret path "${path}": a secret's name cannot end in "/"`);
  return path;
}

export function metadataJSON(meta: KeyMeta, versions: Record<string, unknown>): Record<string, unknown> {
  return {
    cas_required: meta.cas_required,
    created_time: goTime(meta.created_time),
    current_version: meta.current_version,
    custom_metadata: normalizeCustomMetadata(meta.custom_metadata),
    delete_version_after: formatDuration(meta.delete_version_after),
    max_versions: meta.max_versions,
    oldest_version: meta.oldest_version,
    updated_time: goTime(meta.updated_time),
    versions,
  };
}

export function metadataPaths(store: V2Store): { paths: PathDef[]; list: (req: Request, d?: FieldData) => Promise<Response | null> } {
  const list = async (_req: Request, d?: FieldData): Promise<Response | null> => {
    let prefix = d?.str('path') ?? '';
    if (prefix && !prefix.endsWith('/')) prefix += '/';
    const keys = await store.listMeta(prefix);
    return keys.length ? { data: { keys } } : null;
  };

  const read = async (_req: Request, d: FieldData): Promise<Response | null> => {
    const path = d.str('path');
    const meta = await store.meta(path);
    if (!meta) return null;
    const versions: Record<string, unknown> = {};
    for (const [n, rec] of await store.versions(path, meta)) {
      versions[String(n)] = { created_time: goTime(rec.created_time), deletion_time: goTime(rec.deletion_time), destroyed: rec.destroyed };
    }
    return { data: metadataJSON(meta, versions) };
  };

  const write = async (_req: Request, d: FieldData): Promise<Response | null> => {
    const path = secretPath(d);
    const maxVersions = nonNegative(d, 'max_versions');
    const dva = nonNegative(d, 'delete_version_after');
    const cas = d.getOk<boolean>('cas_required');
    const rawCustom = d.getOk<Record<string, unknown>>('custom_metadata');
    if (maxVersions === undefined && dva === undefined && cas === undefined && rawCustom === undefined) return null;
    let custom: Record<string, string> | undefined;
    if (rawCustom !== undefined) {
      custom = parseCustomMetadata(rawCustom, false);
      validateCustomMetadata(custom);
    }
    await store.locks.run(path, async () => {
      const next: KeyMeta = { ...((await store.meta(path)) ?? newMeta(store.now())) };
      if (maxVersions !== undefined) next.max_versions = maxVersions;
      if (cas !== undefined) next.cas_required = cas;
      if (dva !== undefined) next.delete_version_after = dva;
      if (custom !== undefined) next.custom_metadata = normalizeCustomMetadata(custom);
      await store.commit(path, [], next);
    });
    return cas === false && store.config.cas_required ? { warnings: [CAS_WARNING] } : null;
  };

  const patch = async (req: Request, d: FieldData): Promise<Response | null> => {
    const path = secretPath(d);
    const maxVersions = nonNegative(d, 'max_versions');
    const dva = nonNegative(d, 'delete_version_after');
    const cas = d.getOk<boolean>('cas_required');
    const rawCustom = req.data.custom_metadata;
    let customPatch: Record<string, unknown> | null | undefined;
    if (rawCustom === null) customPatch = null;
    else if (rawCustom !== undefined) {
      const parsed = d.get<Record<string, unknown>>('custom_metadata');
      validateCustomMetadata(parseCustomMetadata(parsed, true));
      // Keep the nulls (they delete keys in the merge) and weak-decode the rest to strings.
      customPatch = {};
      for (const [k, v] of Object.entries(parsed)) {
        Object.defineProperty(customPatch, k, { value: v === null ? null : parseCustomMetadata({ [k]: v }, false)[k], enumerable: true, writable: true, configurable: true });
      }
    }
    return store.locks.run(path, async () => {
      const meta = await store.meta(path);
      if (!meta) return emptyNotFound();
      const next: KeyMeta = { ...meta };
      if (maxVersions !== undefined) next.max_versions = maxVersions;
      if (cas !== undefined) next.cas_required = cas;
      if (dva !== undefined) next.delete_version_after = dva;
      if (customPatch === null) next.custom_metadata = null;
      else if (customPatch !== undefined) {
        const merged = mergePatch(meta.custom_metadata ?? {}, customPatch);
        next.custom_metadata = normalizeCustomMetadata(isPlainObject(merged) ? merged as Record<string, string> : null);
      }
      await store.commit(path, [], next);
      return cas === false && store.config.cas_required ? { warnings: [CAS_WARNING] } : null;
    });
  };

  const del = async (_req: Request, d: FieldData): Promise<Response | null> => {
    const path = d.str('path');
    await store.locks.run(path, async () => {
      const meta = await store.meta(path);
      if (!meta) return;
      const ops: StorageOp[] = store.versionNumbers(meta).map((n) => ({ op: 'delete', key: store.versionKey(path, n) }));
      await store.commit(path, ops, null);
    });
    return null;
  };

  return {
    list,
    paths: [{
      pattern: 'metadata/*path?',
      fields,
      synopsis: "Read and configure a secret's metadata and settings, list secrets, or delete a secret with all its versions.",
      existenceCheck: async (_req, d) => (await store.meta(d.str('path'))) !== undefined,
      operations: { read, create: write, update: write, patch, delete: del, list },
    }],
  };
}
