/**
 * Write-ahead entries for the top Kubernetes object a creds request creates (the generated role,
 * or the binding), written before the object and deleted after the lease exists. An entry still
 * present means a request died half way (crash, or a failed cleanup): a sweeper deletes the object
 * (its dependents carry ownerReferences to it) once the entry is due, retrying until it succeeds
 * or the entry is a day old, as Vault's WAL rollback does.
 */
import { randomUUID } from 'node:crypto';
import type { LogicalStorage } from '../../framework/types.js';
import type { Logger } from '../../lib/logger.js';
import type { KubeClient } from '../../kube/client.js';

export type WalKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

export interface WalEntry {
  kind: WalKind;
  namespace: string;
  name: string;
  created_at: number;
  /** When the sweeper may act: 10 minutes after creation (a live request is done by then), sooner after a failed cleanup. */
  retry_after: number;
  expires_at: number;
}

const PREFIX = 'wal/';
export const WAL_MIN_AGE_MS = 10 * 60_000;
const WAL_MAX_AGE_MS = 24 * 3600_000;
export const WAL_RETRY_MS = 30_000;

export async function putWal(storage: LogicalStorage, kind: WalKind, namespace: string, name: string, now: number): Promise<string> {
  const id = randomUUID();
  const entry: WalEntry = { kind, namespace, name, created_at: now, retry_after: now + WAL_MIN_AGE_MS, expires_at: now + WAL_MAX_AGE_MS };
  await storage.putJSON(PREFIX + id, entry);
  return id;
}

export const deleteWal = (storage: LogicalStorage, id: string) => storage.delete(PREFIX + id);

/** After a failed in-request cleanup: let the sweeper try again soon. */
export async function retrySoon(storage: LogicalStorage, id: string, now: number): Promise<void> {
  const entry = await storage.getJSON<WalEntry>(PREFIX + id);
  if (entry) await storage.putJSON(PREFIX + id, { ...entry, retry_after: now + WAL_RETRY_MS });
}

/** Deletes the objects of due entries; returns how many entries were settled. */
export async function sweepWal(storage: LogicalStorage, client: () => Promise<{ client: KubeClient; bearer: string }>, logger: Logger, now: number): Promise<number> {
  let settled = 0;
  for (const id of await storage.list(PREFIX)) {
    const entry = await storage.getJSON<WalEntry>(PREFIX + id);
    if (!entry || entry.retry_after > now) continue;
    try {
      const c = await client();
      await c.client.delete(c.bearer, entry.kind, entry.name, entry.namespace);
      await deleteWal(storage, id);
      settled++;
    } catch (e) {
      logger.warn({ kind: entry.kind, namespace: entry.namespace, name: entry.name, error: (e as Error).message }, 'kubernetes secrets: rollback of a half-created credential failed');
      if (now > entry.expires_at) {
        logger.warn({ kind: entry.kind, namespace: entry.namespace, name: entry.name }, 'kubernetes secrets: giving up the rollback');
        await deleteWal(storage, id);
        settled++;
      } else {
        await storage.putJSON(PREFIX + id, { ...entry, retry_after: now + WAL_RETRY_MS });
      }
    }
  }
  return settled;
}
