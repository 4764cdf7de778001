/**
 * The JSON Vault answers for KV v2 versions, and the check-and-set rule shared by writes and
 * patches. Keys are built in Go's (sorted) order so responses match Vault's byte for byte.
 */
import { badRequest } from '../../lib/errors.js';
import { goTime } from './json-util.js';
import type { KeyMeta, KvConfig, VersionRecord } from './v2-store.js';

export function versionJSON(n: number, rec: VersionRecord, meta: KeyMeta): Record<string, unknown> {
  return {
    created_time: goTime(rec.created_time),
    custom_metadata: meta.custom_metadata,
    deletion_time: goTime(rec.deletion_time),
    destroyed: rec.destroyed,
    version: n,
  };
}

/** Go's mapstructure weak decoding of the `cas` option into an int. */
function casNumber(raw: unknown): number {
  if (raw === null || raw === undefined || raw === '') return 0;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'number' && Number.isFinite(raw)) return Math.trunc(raw);
  if (typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim())) return parseInt(raw.trim(), 10);
  throw badRequest('error parsing check-and-set parameter');
}

/**
 * Vault's check-and-set: when `options.cas` is given it must equal the current version (0 for
 * a new secret); when the engine or the key requires CAS it must be given.
 */
export function checkCas(options: Record<string, unknown> | undefined, config: KvConfig, meta: KeyMeta): void {
  if (options && Object.hasOwn(options, 'cas')) {
    if (casNumber(options.cas) !== meta.current_version) throw badRequest('check-and-set parameter did not match the current version');
    return;
  }
  if (config.cas_required || meta.cas_required) throw badRequest('check-and-set parameter required for this call');
}
