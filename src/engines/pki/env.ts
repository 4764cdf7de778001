/** What every PKI path group is built with. */
import type { BackendContext } from '../../framework/backend.js';
import type { Request } from '../../framework/types.js';
import type { PkiStore } from './store.js';
import type { IdentityLookup } from './validation/identity-template.js';

export interface CrlRebuilder {
  /** Rebuilds every CRL now; returns warnings. */
  rebuild(force?: boolean): Promise<string[]>;
  /** After a revocation: rebuild now, or mark for the periodic rebuild when auto_rebuild is on. */
  onRevocation(): Promise<string[]>;
}

export interface PkiEnv {
  store: PkiStore;
  ctx: BackendContext;
  now(): number;
  crl: CrlRebuilder;
}

export function identityOf(env: PkiEnv): IdentityLookup | undefined {
  return env.ctx.system.service<IdentityLookup>('identity');
}

export const entityOf = (req: Request): string => req.token?.entityId ?? '';
export const displayNameOf = (req: Request): string => req.token?.displayName ?? '';

/** Vault answers an empty LIST with 404. */
export const listResponse = (keys: string[]) => (keys.length ? { data: { keys } } : null);
