/** Key lifecycle: `keys` LIST, `keys/:name` create/read/delete, `keys/:name/config`, `/rotate`, `/trim`. */
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import { decodeContextField, formatKey } from './format.js';
import { HMAC_MAX_KEY_SIZE, HMAC_MIN_KEY_SIZE, isKeyType, type KeyType } from './key-types.js';
import { newPolicy, rotate, type KeyPolicy } from './policy.js';
import type { TransitEnv } from './env.js';

const HOUR = 3600;

export function keyPaths(env: TransitEnv): PathDef[] {
  const { store } = env;

  const create = async (_r: unknown, d: FieldData): Promise<Response> => {
    const name = d.str('name');
    const type = d.str('type');
    const derived = d.bool('derived');
    const convergent = d.bool('convergent_encryption');
    const autoRotate = d.int('auto_rotate_period');
    const keySize = d.int('key_size');
    if (autoRotate !== 0 && autoRotate < HOUR) throw badRequest('auto rotate period must be 0 to disable or at least an hour');
    if (!derived && convergent) throw badRequest('convergent encryption requires derivation to be enabled');
    if (!isKeyType(type)) throw badRequest(`unknown key type ${type}`);
    if (keySize !== 0) {
      if (type !== 'hmac') throw badRequest(`key_size is not valid for algorithm ${type}`);
      if (keySize < HMAC_MIN_KEY_SIZE || keySize > HMAC_MAX_KEY_SIZE) throw badRequest(`invalid key_size ${keySize}`);
    }
    return store.exclusive(name, async () => {
      const existing = await store.get(name);
      if (existing) return { data: formatKey(existing), warnings: [`key ${name} already existed`] };
      const p = await newPolicy({
        name, type: type as KeyType, derived, convergent, exportable: d.bool('exportable'),
        allowPlaintextBackup: d.bool('allow_plaintext_backup'), autoRotatePeriod: autoRotate, keySize,
      }, env.now());
      await store.put(p);
      return { data: formatKey(p) };
    });
  };

  const configure = async (_r: unknown, d: FieldData): Promise<Response> => {
    const name = d.str('name');
    return store.exclusive(name, async () => {
      const stored = await store.get(name);
      if (!stored) throw badRequest(`no existing key named ${name} could be found`);
      const p: KeyPolicy = structuredClone(stored);
      const warnings: string[] = [];
      let changed = false;
      const minDec = d.getOk<number>('min_decryption_version');
      if (minDec !== undefined) {
        if (minDec < 0) throw badRequest('min decryption version cannot be negative');
        let v = minDec;
        if (v === 0) {
          v = 1;
          warnings.push('since Vault 0.3, transit key numbering starts at 1; forcing minimum to 1');
        }
        if (v !== p.min_decryption_version) {
          if (v > p.latest_version) throw badRequest(`cannot set min decryption version of ${v}, latest key version is ${p.latest_version}`);
          p.min_decryption_version = v;
          changed = true;
        }
      }
      const minEnc = d.getOk<number>('min_encryption_version');
      if (minEnc !== undefined) {
        if (minEnc < 0) throw badRequest('min encryption version cannot be negative');
        if (minEnc !== p.min_encryption_version) {
          if (minEnc > p.latest_version) throw badRequest(`cannot set min encryption version of ${minEnc}, latest key version is ${p.latest_version}`);
          p.min_encryption_version = minEnc;
          changed = true;
        }
      }
      if (p.min_encryption_version > 0 && p.min_encryption_version < p.min_decryption_version) {
        throw badRequest(`cannot set min encryption/decryption values; min encryption version of ${p.min_encryption_version} must be greater than or equal to min decryption version of ${p.min_decryption_version}`);
      }
      const del = d.getOk<boolean>('deletion_allowed');
      if (del !== undefined && del !== p.deletion_allowed) { p.deletion_allowed = del; changed = true; }
      // Exportability and plaintext backup can be granted, never taken back (Vault: the key may already be out).
      if (d.getOk<boolean>('exportable') && !p.exportable) { p.exportable = true; changed = true; }
      if (d.getOk<boolean>('allow_plaintext_backup') && !p.allow_plaintext_backup) { p.allow_plaintext_backup = true; changed = true; }
      const rot = d.getOk<number>('auto_rotate_period');
      if (rot !== undefined) {
        if (rot !== 0 && rot < HOUR) throw badRequest('auto rotate period must be 0 to disable or at least an hour');
        if (rot !== p.auto_rotate_period) { p.auto_rotate_period = rot; changed = true; }
      }
      if (!changed) return { data: formatKey(stored), ...(warnings.length ? { warnings } : {}) };
      if (p.min_available_version > p.min_encryption_version) throw badRequest('min encryption version should not be less than min available version');
      if (p.min_available_version > p.min_decryption_version) throw badRequest('min decryption version should not be less then min available version');
      await store.put(p);
      return { data: formatKey(p), ...(warnings.length ? { warnings } : {}) };
    });
  };

  const trim = async (_r: unknown, d: FieldData): Promise<Response> => {
    const name = d.str('name');
    return store.exclusive(name, async () => {
      const stored = await store.get(name);
      if (!stored) throw badRequest('invalid key name');
      const p: KeyPolicy = structuredClone(stored);
      const min = d.getOk<number>('min_available_version');
      if (min === undefined) throw badRequest('missing min_available_version');
      if (min < p.min_available_version) throw badRequest('minimum available version cannot be decremented');
      if (p.min_encryption_version === 0) throw badRequest('minimum available version cannot be set when minimum encryption version is not set');
      if (p.min_decryption_version === 0) throw badRequest('minimum available version cannot be set when minimum decryption version is not set');
      if (min > p.min_encryption_version) throw badRequest('minimum available version cannot be greater than minmum encryption version');
      if (min > p.min_decryption_version) throw badRequest('minimum available version cannot be greater than minimum decryption version');
      if (min < 0) throw badRequest('minimum available version cannot be negative');
      if (min === 0) throw badRequest('minimum available version should be positive');
      for (const v of Object.keys(p.keys)) if (Number(v) < min) delete p.keys[v];
      p.min_available_version = min;
      await store.put(p);
      return { data: formatKey(p) };
    });
  };

  return [
    {
      pattern: 'keys',
      operations: {
        list: async () => {
          const keys = await store.list();
          return keys.length ? { data: { keys } } : null;
        },
      },
      synopsis: 'Managed named encryption keys',
    },
    {
      pattern: 'keys/:name',
      fields: {
        name: { type: 'string', description: 'Name of the key' },
        type: { type: 'string', default: 'aes256-gcm96', description: 'The type of key to create.' },
        derived: { type: 'bool', description: 'Enables key derivation: a context is then required for every operation.' },
        convergent_encryption: { type: 'bool', description: 'Deterministic encryption; requires derived.' },
        exportable: { type: 'bool', description: 'Enables keys to be exportable.' },
        allow_plaintext_backup: { type: 'bool', description: 'Enables a plaintext backup of the key.' },
        context: { type: 'string', description: 'Base64 context, to show the public key of a derived ed25519 key.' },
        auto_rotate_period: { type: 'duration', default: 0, description: 'Rotate the key automatically after this long (0 disables, else at least 1h).' },
        key_size: { type: 'int', default: 0, description: 'Key size in bytes for hmac keys (32 to 512).' },
      },
      operations: {
        update: create,
        read: async (_r, d) => {
          const p = await store.get(d.str('name'));
          if (!p) return null;
          return { data: formatKey(p, decodeContextField(d.str('context'))) };
        },
        delete: async (_r, d) => {
          const name = d.str('name');
          await store.exclusive(name, async () => {
            const p = await store.get(name);
            if (!p) throw badRequest(`error deleting policy ${name}: could not delete key; not found`);
            if (!p.deletion_allowed) throw badRequest(`error deleting policy ${name}: deletion is not allowed for this key`);
            await store.delete(name);
          });
          return null;
        },
      },
      synopsis: 'Managed named encryption keys',
    },
    {
      pattern: 'keys/:name/config',
      fields: {
        name: { type: 'string' },
        min_decryption_version: { type: 'int', description: 'Oldest version that may still decrypt.' },
        min_encryption_version: { type: 'int', description: 'Oldest version that may encrypt (0: latest only by default).' },
        deletion_allowed: { type: 'bool', description: 'Whether the key may be deleted.' },
        exportable: { type: 'bool', description: 'Make the key exportable (cannot be undone).' },
        allow_plaintext_backup: { type: 'bool', description: 'Allow plaintext backups (cannot be undone).' },
        auto_rotate_period: { type: 'duration', description: 'Rotate automatically after this long.' },
      },
      operations: { update: configure },
      synopsis: 'Configure a named encryption key',
    },
    {
      pattern: 'keys/:name/rotate',
      fields: { name: { type: 'string' } },
      operations: {
        update: async (_r, d) => {
          const name = d.str('name');
          return store.exclusive(name, async () => {
            const stored = await store.get(name);
            if (!stored) throw badRequest('key not found');
            const p: KeyPolicy = structuredClone(stored);
            await rotate(p, env.now());
            await store.put(p);
            return { data: formatKey(p) };
          });
        },
      },
      synopsis: 'Rotate named encryption key',
    },
    {
      pattern: 'keys/:name/trim',
      fields: { name: { type: 'string' }, min_available_version: { type: 'int', description: 'Versions below this are deleted for good.' } },
      operations: { update: trim },
      synopsis: 'Trim key versions of a named key',
    },
  ];
}
