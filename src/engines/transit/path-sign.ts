/** `sign/:name(/:hash)` and `verify/:name(/:hash)`: signatures, and HMAC verification when `hmac` is given. */
import { createHash } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { BatchOutcome, batchFields, int, parseBatch, str, type BatchItem } from './batch.js';
import { decodeBase64 } from './cipher.js';
import { mustGet, type TransitEnv } from './env.js';
import { HASHES, hashesSignatureInput, supportsSigning } from './key-types.js';
import { finish } from './path-encrypt.js';
import { verifyHmacItems } from './path-hmac.js';
import type { KeyPolicy } from './policy.js';
import { signInput, verifyInput, type SignOptions } from './signing.js';

const fields: FieldTable = {
  name: { type: 'string', description: 'The key to use' },
  input: { type: 'string', description: 'The base64-encoded input data' },
  context: { type: 'string', description: 'Base64 context for key derivation (derived ed25519 keys).' },
  key_version: { type: 'int', description: 'The version of the key to sign with (0: latest).' },
  hash_algorithm: { type: 'string', default: 'sha2-256', description: 'Hash algorithm (ECDSA and RSA keys); "none" only with prehashed pkcs1v15.' },
  algorithm: { type: 'string', default: 'sha2-256', description: 'Deprecated: use hash_algorithm.' },
  urlalgorithm: { type: 'string', description: 'Hash algorithm (URL parameter)' },
  prehashed: { type: 'bool', description: 'The input is already a digest (ECDSA and RSA keys).' },
  signature_algorithm: { type: 'string', description: 'RSA signature scheme: pss (default) or pkcs1v15.' },
  marshaling_algorithm: { type: 'string', default: 'asn1', description: 'ECDSA signature encoding: asn1 or jws.' },
  salt_length: { type: 'string', default: 'auto', description: 'PSS salt length: auto, hash, or a number of bytes.' },
  signature: { type: 'string', description: 'The signature to verify (verify only).' },
  hmac: { type: 'string', description: 'The HMAC to verify (verify only).' },
  ...batchFields,
};

const ITEM_KINDS = { input: 'string', context: 'string', signature: 'string', hmac: 'string', reference: 'string', key_version: 'int' } as const;

/**
 * Salt length in this engine's terms: -1 auto (longest on sign, any on verify), 0 equal to
 * the hash, else bytes. Clients speak Go's numbers, where 0 is auto and -1 equals the hash.
 */
function saltLength(d: FieldData): number {
  const raw = d.str('salt_length').toLowerCase();
  if (raw === 'auto') return -1;
  if (raw === 'hash') return 0;
  if (!/^-?\d+$/.test(raw)) throw badRequest(`salt length neither 'auto', 'hash', nor an int: ${d.str('salt_length')}`);
  const n = Number(raw);
  if (n < -1) throw badRequest(`salt length is invalid: ${n}`);
  return n === 0 ? -1 : n === -1 ? 0 : n;
}

function options(d: FieldData): SignOptions & { prehashed: boolean } {
  const hash = d.str('urlalgorithm') || (d.has('hash_algorithm') ? d.str('hash_algorithm') : '') || d.str('algorithm') || 'sha2-256';
  if (hash !== 'none' && !HASHES[hash]) throw badRequest(`invalid hash algorithm "${hash}"`);
  const marshaling = d.str('marshaling_algorithm');
  if (marshaling !== 'asn1' && marshaling !== 'jws') throw badRequest(`invalid marshaling type "${marshaling}"`);
  const prehashed = d.bool('prehashed');
  const signatureAlgorithm = d.str('signature_algorithm');
  if (hash === 'none' && (!prehashed || signatureAlgorithm !== 'pkcs1v15')) {
    throw badRequest('hash_algorithm=none requires both prehashed=true and signature_algorithm=pkcs1v15');
  }
  return { hash, marshaling, signatureAlgorithm, saltLength: saltLength(d), prehashed };
}

function itemsOf(d: FieldData, single: () => BatchItem): { list: BatchItem[]; batch: boolean } {
  if (d.raw.batch_input !== undefined && d.raw.batch_input !== null) {
    const list = parseBatch(d.raw.batch_input, ITEM_KINDS);
    if (!list.length) throw badRequest('missing batch input to process');
    return { list, batch: true };
  }
  return { list: [single()], batch: false };
}

/** The bytes actually signed: a digest for ECDSA and RSA unless the client sent one. */
function message(p: KeyPolicy, input: Buffer, o: SignOptions & { prehashed: boolean }): Buffer {
  if (!hashesSignatureInput(p.type) || o.prehashed) return input;
  return createHash(HASHES[o.hash]!).update(input).digest();
}

function contextOf(it: BatchItem): Buffer | undefined {
  const c = str(it, 'context');
  if (!c) return undefined;
  try { return decodeBase64(c); } catch { throw badRequest('failed to base64-decode context'); }
}

export function signPaths(env: TransitEnv): PathDef[] {
  const sign = async (req: Request, d: FieldData): Promise<Response> => {
    const o = options(d);
    const p = await mustGet(env, d.str('name'), 'signing key not found');
    if (!supportsSigning(p.type)) throw badRequest(`key type ${p.type} does not support signing`);
    const { list, batch } = itemsOf(d, () => ({ input: d.str('input'), context: d.str('context'), key_version: d.int('key_version') }));
    const outcome = new BatchOutcome();
    const results = list.map((it) => {
      const ref = str(it, 'reference');
      if (it.input === undefined) { outcome.user = true; return { key_version: 0, error: 'missing input', reference: ref }; }
      try {
        let input: Buffer;
        try { input = decodeBase64(str(it, 'input')); } catch (e) { throw badRequest(`unable to decode input as base64: ${(e as Error).message}`); }
        const r = signInput(p, batch ? int(it, 'key_version') || d.int('key_version') : d.int('key_version'), message(p, input, o), { ...o, context: contextOf(it) });
        outcome.successes = true;
        // Vault's batch item names it "publickey"; the single reply "public_key".
        return { signature: r.signature, key_version: r.version, reference: ref, ...(r.publicKey ? { publickey: r.publicKey.toString('base64') } : {}) };
      } catch (e) {
        return { key_version: 0, error: outcome.fail(e), reference: ref };
      }
    });
    return finish(req, d, batch, outcome, results, undefined, (r) => ({ signature: r.signature, key_version: r.key_version, ...(r.publickey ? { public_key: r.publickey } : {}) }));
  };

  const verify = async (req: Request, d: FieldData): Promise<Response> => {
    const { list, batch } = itemsOf(d, () => {
      const it: BatchItem = { input: d.str('input'), context: d.str('context') };
      if (d.has('signature')) it.signature = d.str('signature');
      if (d.has('hmac')) it.hmac = d.str('hmac');
      return it;
    });
    const sigs = list.filter((it) => it.signature !== undefined).length;
    const macs = list.filter((it) => it.hmac !== undefined).length;
    if (!batch && sigs && macs) throw badRequest("provide one of 'signature' or 'hmac'");
    if (!batch && !sigs && !macs) throw badRequest("neither a 'signature' nor an 'hmac' were given to verify");
    if (sigs && macs) throw badRequest("elements of batch_input must all provide 'signature' or all provide 'hmac'");
    if (sigs && sigs < list.length) throw badRequest("some elements of batch_input are missing 'signature'");
    if (macs && macs < list.length) throw badRequest("some elements of batch_input are missing 'hmac'");
    if (!sigs && !macs) throw badRequest("no batch_input elements have 'signature' or 'hmac'");
    const outcome = new BatchOutcome();
    let results: Record<string, unknown>[];
    if (macs) {
      const alg = d.str('urlalgorithm') || (d.has('hash_algorithm') ? d.str('hash_algorithm') : '') || d.str('algorithm') || 'sha2-256';
      const p = await mustGet(env, d.str('name'));
      if (!HASHES[alg]) throw badRequest(`invalid hash algorithm "${alg}"`);
      results = verifyHmacItems(p, alg, list, outcome);
    } else {
      const o = options(d);
      const p = await mustGet(env, d.str('name'), 'signature verification key not found');
      if (!supportsSigning(p.type)) throw badRequest(`key type ${p.type} does not support verification`);
      results = list.map((it) => {
        const ref = str(it, 'reference');
        try {
          let input: Buffer;
          try { input = decodeBase64(str(it, 'input')); } catch (e) { throw badRequest(`unable to decode input as base64: ${(e as Error).message}`); }
          const valid = verifyInput(p, message(p, input, o), str(it, 'signature'), { ...o, context: contextOf(it) });
          outcome.successes = true;
          return { valid, reference: ref };
        } catch (e) {
          return { valid: false, error: outcome.fail(e), reference: ref };
        }
      });
    }
    return finish(req, d, batch, outcome, results, undefined, (r) => ({ valid: r.valid === true }));
  };

  return [
    { pattern: 'sign/:name/:urlalgorithm', fields, operations: { update: sign }, synopsis: 'Generate a signature for input data using the named key' },
    { pattern: 'sign/:name', fields, operations: { update: sign }, synopsis: 'Generate a signature for input data using the named key' },
    { pattern: 'verify/:name/:urlalgorithm', fields, operations: { update: verify }, synopsis: 'Verify a signature or HMAC for input data created using the named key' },
    { pattern: 'verify/:name', fields, operations: { update: verify }, synopsis: 'Verify a signature or HMAC for input data created using the named key' },
  ];
}
