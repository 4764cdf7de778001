/** `hmac/:name(/:algorithm)` and the HMAC half of `verify/:name` (see path-sign.ts for dispatch). */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { BatchOutcome, batchFields, parseBatch, str, type BatchItem } from './batch.js';
import { decodeBase64 } from './cipher.js';
import { mustGet, type TransitEnv } from './env.js';
import { HASHES } from './key-types.js';
import { finish } from './path-encrypt.js';
import type { KeyPolicy } from './policy.js';

/** The HMAC key of one version (the key itself for hmac keys), with Vault's errors. */
function hmacKey(p: KeyPolicy, ver: number): Buffer {
  if (ver < 0) throw badRequest('key version does not exist (cannot be negative)');
  if (ver > p.latest_version) throw badRequest(`key version does not exist; latest key version is ${p.latest_version}`);
  const v = p.keys[String(ver)];
  if (!v) throw badRequest('no such key version');
  return Buffer.from(p.type === 'hmac' ? v.key ?? '' : v.hmac_key, 'base64');
}

function algorithmOf(d: FieldData): string {
  return d.str('urlalgorithm') || d.str('algorithm') || 'sha2-256';
}

export function hmacPaths(env: TransitEnv): PathDef[] {
  const handler = async (req: Request, d: FieldData): Promise<Response> => {
    const p = await mustGet(env, d.str('name'));
    let ver = d.int('key_version');
    if (ver === 0) ver = p.latest_version;
    else if (ver !== p.latest_version && p.min_encryption_version > 0 && ver < p.min_encryption_version) {
      throw badRequest('cannot generate HMAC: version is too old (disallowed by policy)');
    }
    const key = hmacKey(p, ver);
    const alg = algorithmOf(d);
    if (!HASHES[alg]) throw badRequest(`unsupported algorithm "${alg}"`);
    let list: BatchItem[];
    const batch = d.raw.batch_input !== undefined && d.raw.batch_input !== null;
    if (batch) {
      list = parseBatch(d.raw.batch_input, { input: 'string', reference: 'string' });
      if (!list.length) throw badRequest('missing batch input to process');
    } else {
      if (!d.has('input')) throw badRequest('missing input for HMAC');
      list = [{ input: d.str('input') }];
    }
    const outcome = new BatchOutcome();
    const results = list.map((it) => {
      const ref = str(it, 'reference');
      if (it.input === undefined) { outcome.user = true; return { error: 'missing input for HMAC', reference: ref }; }
      let input: Buffer;
      try { input = decodeBase64(str(it, 'input')); } catch (e) { outcome.user = true; return { error: `unable to decode input as base64: ${(e as Error).message}`, reference: ref }; }
      outcome.successes = true;
      const mac = createHmac(HASHES[alg]!, key).update(input).digest('base64');
      return { hmac: `vault:v${ver}:${mac}`, reference: ref };
    });
    return finish(req, d, batch, outcome, results, undefined, (r) => ({ hmac: r.hmac }));
  };
  return [{
    pattern: 'hmac/:name/:urlalgorithm',
    fields: hmacFields,
    operations: { update: handler },
    synopsis: 'Generate an HMAC for input data using the named key',
  }, {
    pattern: 'hmac/:name',
    fields: hmacFields,
    operations: { update: handler },
    synopsis: 'Generate an HMAC for input data using the named key',
  }];
}

const hmacFields = {
  name: { type: 'string' as const, description: 'The key to use for the HMAC function' },
  input: { type: 'string' as const, description: 'The base64-encoded input data' },
  algorithm: { type: 'string' as const, default: 'sha2-256', description: 'Algorithm to use (POST body parameter).' },
  urlalgorithm: { type: 'string' as const, description: 'Algorithm to use (POST URL parameter)' },
  key_version: { type: 'int' as const, description: 'The version of the key to use (0: latest).' },
  ...batchFields,
};

/** HMAC verification items for `verify/:name`. */
export function verifyHmacItems(p: KeyPolicy, alg: string, list: BatchItem[], outcome: BatchOutcome): Record<string, unknown>[] {
  return list.map((it) => {
    const ref = str(it, 'reference');
    const fail = (error: string) => { outcome.user = true; return { error, reference: ref }; };
    if (it.input === undefined) return fail('missing input');
    let input: Buffer;
    try { input = decodeBase64(str(it, 'input')); } catch (e) { return fail(`unable to decode input as base64: ${(e as Error).message}`); }
    const mac = str(it, 'hmac');
    if (it.hmac === undefined) return fail('missing hmac');
    if (!mac.startsWith('vault:v')) return fail('invalid HMAC to verify: no prefix');
    const rest = mac.slice('vault:v'.length);
    const colon = rest.indexOf(':');
    if (colon === -1) return fail('invalid HMAC: wrong number of fields');
    if (!/^\d+$/.test(rest.slice(0, colon))) return fail('invalid HMAC: version number could not be decoded');
    const ver = Number(rest.slice(0, colon));
    let given: Buffer;
    try { given = decodeBase64(rest.slice(colon + 1)); } catch (e) { return fail(`unable to decode verification HMAC as base64: ${(e as Error).message}`); }
    if (ver > p.latest_version) return fail('invalid HMAC: version is too new');
    if (p.min_decryption_version > 0 && ver < p.min_decryption_version) return fail('cannot verify HMAC: version is too old (disallowed by policy)');
    let key: Buffer;
    try { key = hmacKey(p, ver); } catch (e) { return fail((e as Error).message); }
    const want = createHmac(HASHES[alg]!, key).update(input).digest();
    outcome.successes = true;
    // Vault's HMAC batch item omits `valid` when false (omitempty); the single reply always has it.
    const valid = want.length === given.length && timingSafeEqual(want, given);
    return valid ? { valid, reference: ref } : { reference: ref };
  });
}
