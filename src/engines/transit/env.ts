/** What every transit path file shares: the key store and an injectable clock. */
import type { LogicalStorage } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { KeyPolicy } from './policy.js';
import type { TransitStore } from './store.js';

export interface TransitEnv {
  store: TransitStore;
  /** The mount's storage, for settings outside the key store. */
  storage: LogicalStorage;
  /** ms since the epoch; tests move it. */
  now: () => number;
}

/** Loads a key or fails with the path's own "not found" wording (Vault varies it per path). */
export async function mustGet(env: TransitEnv, name: string, notFound = 'encryption key not found'): Promise<KeyPolicy> {
  const p = await env.store.get(name);
  if (!p) throw badRequest(notFound);
  return p;
}
