/**
 * KV v2 `data/<path>`: read a version, write a new one (with check-and-set), patch the
 * current one (JSON merge patch) and soft-delete the latest.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { mergePatch, sortKeysDeep } from './json-util.js';
import { checkCas, versionJSON } from './v2-shape.js';
import { invalidPath } from './v2-invalid.js';
import { isDeleted, newMeta, type KeyMeta, type StorageOp, type V2Store, type VersionRecord } from './v2-store.js';

const fields: FieldTable = {
  path: { type: 'string', description: 'Location of the secret.' },
  version: { type: 'int', description: 'On reads, the version to return; the latest when absent or 0.' },
  options: {
    type: 'map',
    description: 'Write options. "cas": the version the write expects to replace (0 = the secret must not exist yet); required when cas_required is set.',
  },
  data: { type: 'map', description: 'The secret: a JSON object stored as the new version.' },
};

/** A 404 with no body, as Vault's RespondWithStatusCode(nil, 404) gives. */
export const emptyNotFound = (): Response => ({ raw: { status: 404, contentType: 'application/json', body: '' } });

/** Vault's data pattern never matches a trailing slash; such requests get the invalid-path answer. */
const dataPath = (d: FieldData): string | null => {
  const p = d.str('path');
  return p.endsWith('/') ? null : p;
};

export function inWindow(meta: KeyMeta, n: number): boolean {
  return n >= Math.max(meta.oldest_version, 1) && n <= meta.current_version;
}

/** True when the client sent the field with a non-null value. */
const given = (req: Request, name: string) => req.data[name] !== undefined && req.data[name] !== null;

/**
 * Appends a version and slides the max_versions window; versions that fall out are deleted in
 * the same transaction as the write, so storage never holds more than the window. `stored`:
 * the secret's metadata record exists already, so only the version records change.
 */
export async function addVersion(store: V2Store, path: string, prev: KeyMeta, stored: boolean, data: Record<string, unknown>): Promise<Response> {
  const now = store.now();
  const n = prev.current_version + 1;
  const rec: VersionRecord = { created_time: now, deletion_time: store.deletionTimeFor(prev, now), destroyed: false, data };
  const next: KeyMeta = { ...prev, current_version: n, updated_time: now, created_time: prev.created_time || now };
  const ops: StorageOp[] = [store.putVersionOp(path, n, rec)];
  const max = store.maxVersions(next);
  if (n - next.oldest_version >= max) {
    const last = n - max;
    for (let i = Math.max(next.oldest_version, 1); i <= last; i++) ops.push({ op: 'delete', key: store.versionKey(path, i) });
    next.oldest_version = last + 1;
  }
  await store.commit(path, ops, next, stored);
  return { data: versionJSON(n, rec, next) };
}

export function dataPaths(store: V2Store): PathDef[] {
  const read = async (req: Request, d: FieldData): Promise<Response | null> => {
    const path = dataPath(d);
    if (path === null) return invalidPath(req);
    const wanted = d.int('version');
    // Two tries: a concurrent write may prune the version between the metadata and version reads.
    for (let attempt = 0; attempt < 2; attempt++) {
      const meta = await store.meta(path);
      if (!meta) return null;
      const n = wanted > 0 ? wanted : meta.current_version;
      if (!inWindow(meta, n)) return null;
      const rec = await store.version(path, n);
      if (!rec) continue;
      const metadata = versionJSON(n, rec, meta);
      // Vault answers a deleted or destroyed version with 404 and its metadata, so clients can tell it from "never existed".
      if (rec.destroyed || isDeleted(rec, store.now())) return { status: 404, data: { data: null, metadata } };
      return { data: { data: rec.data ?? {}, metadata } };
    }
    return null;
  };

  const write = async (req: Request, d: FieldData): Promise<Response | null> => {
    const path = dataPath(d);
    if (path === null) return invalidPath(req);
    if (!given(req, 'data')) throw badRequest('no data provided');
    const data = sortKeysDeep(d.get<Record<string, unknown>>('data')) as Record<string, unknown>;
    const options = d.getOk<Record<string, unknown>>('options');
    return store.locks.run(path, async () => {
      const stored = await store.meta(path);
      const meta = stored ?? newMeta(store.now());
      checkCas(options, store.config, meta);
      return addVersion(store, path, meta, stored !== undefined, data);
    });
  };

  const patch = async (req: Request, d: FieldData): Promise<Response | null> => {
    const path = dataPath(d);
    if (path === null) return invalidPath(req);
    if (!given(req, 'data')) throw badRequest('no data provided');
    const changes = d.get<Record<string, unknown>>('data');
    const options = d.getOk<Record<string, unknown>>('options');
    return store.locks.run(path, async () => {
      const meta = await store.meta(path);
      if (!meta) return emptyNotFound();
      checkCas(options, store.config, meta);
      const n = meta.current_version;
      const rec = n > 0 ? await store.version(path, n) : undefined;
      if (!rec) return emptyNotFound();
      if (rec.destroyed || isDeleted(rec, store.now())) return { status: 404, data: versionJSON(n, rec, meta) };
      const merged = sortKeysDeep(mergePatch(rec.data ?? {}, changes)) as Record<string, unknown>;
      return addVersion(store, path, meta, true, merged);
    });
  };

  const del = async (req: Request, d: FieldData): Promise<Response | null> => {
    const path = dataPath(d);
    if (path === null) return invalidPath(req);
    await store.locks.run(path, async () => {
      const meta = await store.meta(path);
      const n = meta?.current_version ?? 0;
      const rec = n > 0 ? await store.version(path, n) : undefined;
      if (!rec || rec.destroyed || isDeleted(rec, store.now())) return;
      await store.write([store.putVersionOp(path, n, { ...rec, deletion_time: store.now() })]);
    });
    return null;
  };

  return [{
    pattern: 'data/*path',
    fields,
    synopsis: 'Write, patch, read and delete versions of a secret.',
    description: 'Each write creates a new version. Reads return the latest version unless "version" is given. '
      + 'PATCH merges the given data into the current version (RFC 7386) and stores the result as a new version. '
      + 'DELETE marks the latest version deleted; it can be undeleted.',
    existenceCheck: async (_req, d) => (await store.meta(d.str('path'))) !== undefined,
    operations: { read, create: write, update: write, patch, delete: del },
  }];
}
