/**
 * sys/leases/tidy: repairs what a crash or an old bug can leave behind. Leases whose token is
 * gone are revoked (secrets) or dropped (the token's own lease); bodies missing from the
 * expiry index are re-indexed; index keys pointing at nothing are deleted.
 */
import type { Core } from '../core.js';
import type { LeaseManager } from './lease-manager.js';
import { LeaseStore } from './lease-store.js';

export interface TidyReport {
  revoked: number;
  dropped: number;
  reindexed: number;
  danglingIndexKeys: number;
}

export async function tidyLeases(core: Core, m: LeaseManager): Promise<TidyReport> {
  const report: TidyReport = { revoked: 0, dropped: 0, reindexed: 0, danglingIndexKeys: 0 };
  const ids = new Set(await m.store.idsUnder(''));
  const index = await m.store.scanIndex();
  const indexed = new Set(index.map((x) => x.id));
  for (const id of ids) {
    const le = await m.store.load(id);
    if (!le) continue;
    const token = le.token_hash ? await core.tokens.lookupByHash(le.token_hash) : undefined;
    if (le.kind === 'auth' && !token) {
      await m.forget(id);
      report.dropped++;
      continue;
    }
    if (le.kind === 'secret' && le.token_hash && le.token_type !== 'batch' && !token) {
      core.logger.info({ lease_id: id }, 'revoking lease which has an invalid token');
      await m.revokeNow(id).then(() => { report.revoked++; }, (e: Error) => core.logger.warn({ lease_id: id, err: e.message }, 'tidy: revocation failed'));
      continue;
    }
    if (!indexed.has(id) || !m.isTracked(id)) {
      await m.adopt(le);
      report.reindexed++;
    }
  }
  const dangling: string[] = [];
  for (const { id, expireTime } of index) {
    if (ids.has(id)) continue;
    dangling.push(LeaseStore.expKey(id, expireTime));
    await m.forget(id);
  }
  for (const [hash, id] of await m.store.tokenIndex()) {
    if (!ids.has(id)) dangling.push(LeaseStore.tokenKey(hash, id));
  }
  await m.store.deleteKeys(dangling);
  report.danglingIndexKeys = dangling.length;
  return report;
}
