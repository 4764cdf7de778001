/**
 * `custom_metadata` on KV v2 secrets: a string→string map with Vault's limits (64 keys,
 * keys ≤ 128 bytes, values ≤ 512 bytes, printable only) and Vault's error wording, which
 * reports every violation at once in go-multierror's format.
 */
import { badRequest } from '../../lib/errors.js';

const MAX_KEYS = 64;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 512;
const PREFIX = 'custom_metadata validation failed';
/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/** Go's mapstructure weak decoding of one value into a string. */
function weakString(key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw badRequest(`${PREFIX}: value for key ${JSON.stringify(key)} must be a string`);
}

/**
 * Converts the request's map. For PATCH (`dropNulls`), null values are kept out: in a merge
 * patch they mean "remove this key", not "set it to the empty string".
 */
export function parseCustomMetadata(raw: Record<string, unknown>, dropNulls: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (dropNulls && v === null) continue;
    Object.defineProperty(out, k, { value: weakString(k, v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function validateCustomMetadata(m: Record<string, string>): void {
  const entries = Object.entries(m);
  const errors: string[] = [];
  if (entries.length > MAX_KEYS) {
    errors.push(`${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${entries.length}`);
  } else {
    for (const [k, v] of entries) {
      const q = JSON.stringify(k);
      const kl = Buffer.byteLength(k);
      const vl = Buffer.byteLength(v);
      if (kl === 0 || kl > MAX_KEY_LENGTH) errors.push(`${PREFIX}: length of key ${q} is ${kl} but must be 0 < len(key) <= ${MAX_KEY_LENGTH}`);
      if (vl === 0 || vl > MAX_VALUE_LENGTH) errors.push(`${PREFIX}: length of value for key ${q} is ${vl} but must be 0 < len(value) <= ${MAX_VALUE_LENGTH}`);
      if (!PRINTABLE.test(k)) errors.push(`${PREFIX}: key ${q} (${k}) contains unprintable characters`);
      if (!PRINTABLE.test(v)) errors.push(`${PREFIX}: value for key ${q} contains unprintable characters`);
    }
  }
  if (errors.length) {
    throw badRequest(`${errors.length} error${errors.length === 1 ? '' : 's'} occurred:\n\t* ${errors.join('\n\t* ')}\n\n`);
  }
}

/** Vault returns an empty custom_metadata map as null (its protobuf round trip drops empty maps). */
export function normalizeCustomMetadata(m: Record<string, string> | null | undefined): Record<string, string> | null {
  return m && Object.keys(m).length ? m : null;
}
