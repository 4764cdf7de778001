/** Issuer keys on their own: `keys` LIST, `keys/generate/:type`, `keys/import`, `key/:ref`, `config/keys`. */
import { createPrivateKey } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { PkiEnv } from './env.js';
import { checkNewName, importKey } from './issuers.js';
import type { KeyEntry } from './types.js';
import { defaultKeyBits, generateKey, keyTypeLengthError, privateKeyPem, type KeyType } from './x509/keys.js';
import { decodePem } from './x509/pem.js';

const keyData = (k: KeyEntry) => ({ key_id: k.id, key_name: k.name, key_type: k.type });

export function keyPaths(env: PkiEnv): PathDef[] {
  const { store } = env;
  const resolve = async (ref: string) => {
    const id = await store.resolveKeyRef(ref);
    const k = id ? await store.getKey(id) : undefined;
    if (!k) throw badRequest(`unable to resolve key id for reference: ${ref}`);
    return k;
  };
  const generate = async (_r: unknown, d: FieldData): Promise<Response> => {
    const type = d.str('type');
    if (type === 'kms') throw badRequest('managed keys are supported within enterprise edition only');
    if (type !== 'internal' && type !== 'exported') throw badRequest('Unknown type (internal|exported|kms) for key generation, must be one of internal, exported, or kms');
    const name = await checkNewName(store, 'key', d.getOk<string>('key_name'));
    const keyType = d.str('key_type') || 'rsa';
    const bits = defaultKeyBits(keyType, d.int('key_bits'));
    const err = keyTypeLengthError(keyType, bits) || (keyType === 'any' ? 'unknown key type: any' : '');
    if (err) throw badRequest(err);
    const key = await generateKey(keyType as KeyType, bits);
    const { entry } = await importKey(store, key, name);
    const data: Record<string, unknown> = keyData(entry);
    if (type === 'exported') data.private_key = privateKeyPem(key);
    return { data };
  };
  return [
    {
      pattern: 'keys',
      operations: {
        list: async () => {
          const keys = await store.listKeys();
          if (!keys.length) return null;
          const info: Record<string, unknown> = {};
          for (const k of keys) info[k.id] = { key_name: k.name };
          return { data: { keys: keys.map((k) => k.id), key_info: info } };
        },
      },
      synopsis: 'Fetch a list of all issuer keys',
    },
    {
      pattern: 'keys/generate/:type',
      fields: {
        type: { type: 'string' }, key_name: { type: 'string' }, key_type: { type: 'string', default: 'rsa' }, key_bits: { type: 'int', default: 0 },
        managed_key_name: { type: 'string' }, managed_key_id: { type: 'string' },
      },
      operations: { update: generate },
      synopsis: 'Generate a new private key used for signing.',
    },
    {
      pattern: 'keys/import',
      fields: { pem_bundle: { type: 'string', sensitive: true }, key_name: { type: 'string' } },
      operations: {
        update: async (_r, d) => {
          const name = await checkNewName(store, 'key', d.getOk<string>('key_name'));
          const blocks = (() => { try { return decodePem(d.str('pem_bundle')); } catch { return []; } })();
          if (blocks.length !== 1) throw badRequest('only a single key can be present within the pem_bundle for importing');
          const b = blocks[0]!;
          let key;
          try {
            key = createPrivateKey({ key: b.der, format: 'der', type: b.type === 'RSA PRIVATE KEY' ? 'pkcs1' : b.type === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8' });
          } catch (e) {
            throw badRequest(`failed parsing key from pem block: ${(e as Error).message}`);
          }
          const { entry, existing } = await importKey(store, key, name);
          if (existing && name && entry.name !== name) {
            await store.putKey({ ...entry, name });
            return { data: keyData({ ...entry, name }) };
          }
          return { data: keyData(entry) };
        },
      },
      synopsis: 'Import the specified key.',
    },
    {
      pattern: 'key/:ref',
      fields: { ref: { type: 'string' }, key_name: { type: 'string' } },
      operations: {
        read: async (_r, d) => ({ data: keyData(await resolve(d.str('ref'))) }),
        update: async (_r, d) => {
          const k = await resolve(d.str('ref'));
          const name = await checkNewName(store, 'key', d.has('key_name') ? d.str('key_name') : '', k.id);
          await store.putKey({ ...k, name });
          return { data: keyData({ ...k, name }) };
        },
        delete: async (_r, d) => {
          const id = await store.resolveKeyRef(d.str('ref'));
          if (!id) return null;
          if ((await store.listIssuers()).some((i) => i.key_id === id)) throw badRequest('Unable to delete key as it is in use by one or more issuers.');
          await store.deleteKey(id);
          const cfg = await store.keysConfig();
          if (cfg.default === id) await store.putKeysConfig({ default: '' });
          return null;
        },
      },
      synopsis: 'Fetch, rename or delete a single issuer key.',
    },
    {
      pattern: 'config/keys',
      fields: { default: { type: 'string' } },
      operations: {
        read: async () => ({ data: { default: (await store.keysConfig()).default } }),
        update: async (_r, d) => {
          const ref = d.str('default');
          const id = await store.resolveKeyRef(ref);
          if (!id) throw badRequest(`unable to resolve key id for reference: ${ref}`);
          await store.putKeysConfig({ default: id });
          return { data: { default: id } };
        },
      },
      synopsis: 'Read and set the default key used for signing.',
    },
  ];
}
