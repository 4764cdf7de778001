/** Stateless helpers Vault's transit serves beside the keys: `random(/:source)(/:bytes)` and `hash(/:algorithm)`. */
import { createHash, randomBytes } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { decodeBase64 } from './cipher.js';
import { HASHES } from './key-types.js';

/** Vault's cap on one random request (128 KiB). */
const MAX_RANDOM_BYTES = 128 * 1024;

function random(d: FieldData): Response {
  let bytes = d.int('bytes');
  let source = d.str('source');
  // "random/64" puts the count where a source could be, as Vault's optional segments do.
  if (/^\d+$/.test(source)) { bytes = Number(source); source = 'platform'; }
  const url = d.str('urlbytes');
  if (url) {
    if (!/^-?\d+$/.test(url)) throw badRequest(`error parsing url-set byte count: strconv.Atoi: parsing "${url}": invalid syntax`);
    bytes = Number(url);
  }
  if (bytes < 1) throw badRequest("'bytes' cannot be less than 1");
  if (bytes > MAX_RANDOM_BYTES) throw badRequest(`'bytes' should be less than ${MAX_RANDOM_BYTES}`);
  const format = d.str('format');
  if (format !== 'hex' && format !== 'base64') throw badRequest(`unsupported encoding format "${format}"; must be "hex" or "base64"`);
  // No seal here has its own entropy source; every source draws from the platform's CSPRNG.
  if (!['', 'platform', 'seal', 'all'].includes(source)) throw badRequest(`unsupported entropy source "${source}"; must be "platform" or "seal", or "all"`);
  return { data: { random_bytes: randomBytes(bytes).toString(format) } };
}

function hash(d: FieldData): Response {
  if (!d.has('input')) throw badRequest('input missing');
  let input: Buffer;
  try { input = decodeBase64(d.str('input')); } catch (e) { throw badRequest(`unable to decode input as base64: ${(e as Error).message}`); }
  const format = d.str('format');
  if (format !== 'hex' && format !== 'base64') throw badRequest(`unsupported encoding format ${format}; must be "hex" or "base64"`);
  const algorithm = d.str('urlalgorithm') || d.str('algorithm');
  if (!HASHES[algorithm]) throw badRequest(`unsupported algorithm ${algorithm}`);
  return { data: { sum: createHash(HASHES[algorithm]!).update(input).digest(format) } };
}

export function toolPaths(): PathDef[] {
  const randomFields = {
    source: { type: 'string' as const, default: 'platform', description: 'Entropy source: platform, seal or all.' },
    urlbytes: { type: 'string' as const, description: 'The number of bytes to generate (POST URL parameter)' },
    bytes: { type: 'int' as const, default: 32, description: 'The number of bytes to generate (POST body parameter). Defaults to 32 (256 bits).' },
    format: { type: 'string' as const, default: 'base64', description: 'Encoding format to use. Can be "hex" or "base64". Defaults to "base64".' },
  };
  const hashFields = {
    input: { type: 'string' as const, description: 'The base64-encoded input data' },
    algorithm: { type: 'string' as const, default: 'sha2-256', description: 'Algorithm to use (POST body parameter).' },
    urlalgorithm: { type: 'string' as const, description: 'Algorithm to use (POST URL parameter)' },
    format: { type: 'string' as const, default: 'hex', description: 'Encoding format to use. Can be "hex" or "base64". Defaults to "hex".' },
  };
  const r = async (_q: unknown, d: FieldData) => random(d);
  const h = async (_q: unknown, d: FieldData) => hash(d);
  return [
    { pattern: 'random/:source/:urlbytes', fields: randomFields, operations: { update: r }, synopsis: 'Generate random bytes' },
    { pattern: 'random/:source', fields: randomFields, operations: { update: r }, synopsis: 'Generate random bytes' },
    { pattern: 'random', fields: randomFields, operations: { update: r }, synopsis: 'Generate random bytes' },
    { pattern: 'hash/:urlalgorithm', fields: hashFields, operations: { update: h }, synopsis: 'Generate a hash sum for input data' },
    { pattern: 'hash', fields: hashFields, operations: { update: h }, synopsis: 'Generate a hash sum for input data' },
  ];
}
