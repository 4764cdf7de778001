/** `encrypt/:name` (creating the key on first use, as Vault upserts), `decrypt/:name`, `rewrap/:name`. */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData, FieldTable } from '../../framework/fields.js';
import type { Request, Response } from '../../framework/types.js';
import { badRequest, internal } from '../../lib/errors.js';
import { BatchOutcome, batchFields, int, parseBatch, str, type BatchItem } from './batch.js';
import { decodeBase64, decrypt, encrypt } from './cipher.js';
import { mustGet, type TransitEnv } from './env.js';
import { isSymmetric } from './key-types.js';
import { readKeysConfig } from './path-config.js';
import { newPolicy, type KeyPolicy } from './policy.js';

const ITEM_KINDS = { plaintext: 'string', ciphertext: 'string', context: 'string', associated_data: 'string', key_version: 'int', reference: 'string' } as const;

const common: FieldTable = {
  name: { type: 'string', description: 'Name of the key' },
  context: { type: 'string', description: 'Base64 context for key derivation (required for derived keys).' },
  associated_data: { type: 'string', description: 'Base64 associated data, authenticated but not encrypted (AEAD key types).' },
  key_version: { type: 'int', description: 'Key version to encrypt with (0: latest).' },
  ...batchFields,
};

interface Prepared {
  item: BatchItem;
  context?: Buffer;
  input?: Buffer;
  aad?: Buffer;
  error?: string;
}

/** Items from the body or batch_input, with Vault's all-or-none rule for `context`. */
function items(d: FieldData, single: () => BatchItem): { list: BatchItem[]; batch: boolean } {
  const raw = d.raw.batch_input;
  if (raw !== undefined && raw !== null) {
    const list = parseBatch(raw, ITEM_KINDS);
    if (!list.length) throw badRequest('missing batch input to process');
    return { list, batch: true };
  }
  return { list: [single()], batch: false };
}

function checkContexts(list: BatchItem[]): boolean {
  const contextSet = str(list[0]!, 'context') !== '';
  for (const it of list) {
    if ((str(it, 'context') !== '') !== contextSet) throw badRequest('context should be set either in all the request blocks or in none');
  }
  return contextSet;
}

function decodeOr(s: string, out: Prepared, set: (b: Buffer) => void): void {
  if (out.error) return;
  try { set(decodeBase64(s)); } catch (e) { out.error = (e as Error).message; }
}

/** A decrypt or rewrap item: its ciphertext must be there, its context must decode. */
function prepareCiphertext(item: BatchItem): Prepared {
  const it: Prepared = { item };
  if (!str(item, 'ciphertext')) it.error = 'missing ciphertext to decrypt';
  if (str(item, 'context')) decodeOr(str(item, 'context'), it, (b) => { it.context = b; });
  return it;
}

function aadFor(p: KeyPolicy, it: Prepared, i: number): void {
  if (it.error || !str(it.item, 'associated_data')) return;
  if (!isSymmetric(p.type)) { it.error = `'[${i}].associated_data' provided for non-AEAD cipher suite ${p.type}`; return; }
  decodeOr(str(it.item, 'associated_data'), it, (b) => { it.aad = b; });
}

export function encryptPaths(env: TransitEnv): PathDef[] {
  const { store } = env;

  const upsert = async (req: Request, d: FieldData, name: string, contextSet: boolean): Promise<{ p: KeyPolicy; warning?: string }> => {
    if (req.operation !== 'create' || (await readKeysConfig(env.storage)).disable_upsert) return { p: await mustGet(env, name) };
    const convergent = d.bool('convergent_encryption');
    if (convergent && !contextSet) throw badRequest('convergent encryption requires derivation to be enabled, so context is required');
    const type = d.str('type');
    if (type.startsWith('ecdsa-')) throw badRequest(`key type ${type} not supported for this operation`);
    if (type !== 'aes128-gcm96' && type !== 'aes256-gcm96' && type !== 'chacha20-poly1305') throw badRequest(`unknown key type ${type}`);
    return store.exclusive(name, async () => {
      const existing = await store.get(name);
      if (existing) return { p: existing, warning: 'Attempted creation of the key during the encrypt operation, but it was created beforehand' };
      const p = await newPolicy({ name, type, derived: contextSet, convergent }, env.now());
      await store.put(p);
      return { p };
    });
  };

  const encryptHandler = async (req: Request, d: FieldData): Promise<Response> => {
    const name = d.str('name');
    const { list, batch } = items(d, () => {
      if (!d.has('plaintext')) throw badRequest('missing plaintext to encrypt');
      return { plaintext: d.str('plaintext'), context: d.str('context'), key_version: d.int('key_version'), associated_data: d.str('associated_data') };
    });
    const contextSet = checkContexts(list);
    const prepared: Prepared[] = list.map((item) => {
      const it: Prepared = { item };
      decodeOr(str(item, 'plaintext'), it, (b) => { it.input = b; });
      if (str(item, 'context')) decodeOr(str(item, 'context'), it, (b) => { it.context = b; });
      return it;
    });
    const { p, warning } = await upsert(req, d, name, contextSet);
    const outcome = new BatchOutcome();
    const results = prepared.map((it, i) => {
      aadFor(p, it, i);
      const ref = str(it.item, 'reference');
      if (it.error) { outcome.user = true; return { error: it.error, reference: ref }; }
      try {
        const r = encrypt(p, int(it.item, 'key_version'), it.input!, { context: it.context, associatedData: it.aad });
        outcome.successes = true;
        return { ciphertext: r.ciphertext, key_version: r.version, reference: ref };
      } catch (e) {
        return { error: outcome.fail(e), reference: ref };
      }
    });
    return finish(req, d, batch, outcome, results, warning, (r) => ({ ciphertext: r.ciphertext, key_version: r.key_version }));
  };

  const decryptHandler = async (req: Request, d: FieldData): Promise<Response> => {
    const { list, batch } = items(d, () => {
      const ciphertext = d.str('ciphertext');
      if (!ciphertext) throw badRequest('missing ciphertext to decrypt');
      return { ciphertext, context: d.str('context'), associated_data: d.str('associated_data') };
    });
    checkContexts(list);
    const prepared = list.map(prepareCiphertext);
    const p = await mustGet(env, d.str('name'));
    const outcome = new BatchOutcome();
    const results = prepared.map((it, i) => {
      aadFor(p, it, i);
      const ref = str(it.item, 'reference');
      if (it.error) { outcome.user = true; return { plaintext: '', error: it.error, reference: ref }; }
      try {
        const plain = decrypt(p, str(it.item, 'ciphertext'), { context: it.context, associatedData: it.aad });
        outcome.successes = true;
        return { plaintext: plain.toString('base64'), reference: ref };
      } catch (e) {
        return { plaintext: '', error: outcome.fail(e), reference: ref };
      }
    });
    return finish(req, d, batch, outcome, results, undefined, (r) => ({ plaintext: r.plaintext }));
  };

  const rewrapHandler = async (req: Request, d: FieldData): Promise<Response> => {
    const { list, batch } = items(d, () => {
      const ciphertext = d.str('ciphertext');
      if (!ciphertext) throw badRequest('missing ciphertext to decrypt');
      return { ciphertext, context: d.str('context'), key_version: d.int('key_version') };
    });
    checkContexts(list);
    const prepared = list.map(prepareCiphertext);
    const p = await mustGet(env, d.str('name'));
    const outcome = new BatchOutcome();
    const results = prepared.map((it) => {
      const ref = str(it.item, 'reference');
      if (it.error) { outcome.user = true; return { error: it.error, reference: ref }; }
      try {
        const plain = decrypt(p, str(it.item, 'ciphertext'), { context: it.context });
        const r = encrypt(p, int(it.item, 'key_version'), plain, { context: it.context });
        outcome.successes = true;
        return { ciphertext: r.ciphertext, key_version: r.version, reference: ref };
      } catch (e) {
        return { error: outcome.fail(e), reference: ref };
      }
    });
    return finish(req, d, batch, outcome, results, undefined, (r) => ({ ciphertext: r.ciphertext, key_version: r.key_version }));
  };

  return [
    {
      pattern: 'encrypt/:name',
      fields: {
        ...common,
        plaintext: { type: 'string', sensitive: true, description: 'Base64 plaintext to encrypt.' },
        type: { type: 'string', default: 'aes256-gcm96', description: 'Type of key to create if the key does not exist yet.' },
        convergent_encryption: { type: 'bool', description: 'Create the key with convergent encryption (needs context).' },
      },
      existenceCheck: async (_r, d) => (await store.get(d.str('name'))) !== undefined,
      operations: { create: encryptHandler, update: encryptHandler },
      synopsis: 'Encrypt a plaintext value or a batch of plaintext blocks using a named key',
    },
    {
      pattern: 'decrypt/:name',
      fields: { ...common, ciphertext: { type: 'string', description: 'Ciphertext to decrypt (vault:v1:…).' } },
      operations: { update: decryptHandler },
      synopsis: 'Decrypt a ciphertext value using a named key',
    },
    {
      pattern: 'rewrap/:name',
      fields: { ...common, ciphertext: { type: 'string', description: 'Ciphertext to re-encrypt with the latest (or given) key version.' } },
      operations: { update: rewrapHandler },
      synopsis: 'Rewrap ciphertext',
    },
  ];
}

type Result = Record<string, unknown> & { error?: string };

/** One reply shape for single and batch requests, with Vault's status rules. */
export function finish(req: Request, d: FieldData, batch: boolean, outcome: BatchOutcome, results: Result[], warning: string | undefined, single: (r: Result) => Record<string, unknown>): Response {
  const warnings = warning ? [warning] : undefined;
  if (batch) return outcome.respond({ data: { batch_results: results }, ...(warnings ? { warnings } : {}) }, d, req);
  const r = results[0]!;
  if (r.error !== undefined) {
    if (outcome.internal) throw internal(r.error);
    throw badRequest(r.error);
  }
  return { data: single(r), ...(warnings ? { warnings } : {}) };
}
