/**
 * KV v2 `delete/`, `undelete/` and `destroy/`: change the state of chosen versions. Delete and
 * undelete only move a version's deletion time; destroy drops its data for good but keeps its
 * record, so metadata still shows it as destroyed.
 */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { inWindow } from './v2-data.js';
import { isDeleted, type KeyMeta, type StorageOp, type V2Store, type VersionRecord } from './v2-store.js';

const fields = (what: string): FieldTable => ({
  path: { type: 'string', description: 'Location of the secret.' },
  versions: { type: 'int_list', description: `The versions to ${what}.` },
});

/** Decides the new record for one version, or undefined to leave it alone. */
type Change = (rec: VersionRecord, meta: KeyMeta, now: number) => VersionRecord | undefined;

function versionsPath(store: V2Store, verb: string, missing: string, change: Change, synopsis: string): PathDef {
  const handler = async (_req: unknown, d: FieldData): Promise<Response | null> => {
    const path = d.str('path');
    const wanted = [...new Set(d.get<number[]>('versions'))];
    if (!wanted.length) throw badRequest(missing);
    await store.locks.run(path, async () => {
      const meta = await store.meta(path);
      if (!meta) return;
      const nums = wanted.filter((n) => inWindow(meta, n));
      const recs = await Promise.all(nums.map((n) => store.version(path, n)));
      const now = store.now();
      const ops: StorageOp[] = [];
      nums.forEach((n, i) => {
        const rec = recs[i];
        const next = rec && !rec.destroyed ? change(rec, meta, now) : undefined;
        if (next) ops.push(store.putVersionOp(path, n, next));
      });
      if (ops.length) await store.write(ops);
    });
    return null;
  };
  return { pattern: `${verb}/*path`, fields: fields(verb), synopsis, operations: { update: handler } };
}

export function versionPaths(store: V2Store): PathDef[] {
  return [
    versionsPath(store, 'delete', 'No version number provided',
      (rec, _meta, now) => (isDeleted(rec, now) ? undefined : { ...rec, deletion_time: now }),
      'Mark versions of a secret deleted; their data stays until destroyed and can be undeleted.'),
    versionsPath(store, 'undelete', 'No version number provided',
      // Undeleting restarts the delete_version_after clock, as in Vault.
      (rec, meta, now) => ({ ...rec, deletion_time: store.deletionTimeFor(meta, now) }),
      'Restore deleted versions of a secret.'),
    versionsPath(store, 'destroy', 'no version number provided',
      (rec) => ({ created_time: rec.created_time, deletion_time: rec.deletion_time, destroyed: true }),
      'Permanently remove the data of versions of a secret.'),
  ];
}
