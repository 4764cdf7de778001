/** `export/:type/:name(/:version)`: key material of exportable keys (public keys of any asymmetric key), in Vault's encodings. */
import { createPrivateKey } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import type { FieldData } from '../../framework/fields.js';
import type { Response } from '../../framework/types.js';
import { badRequest } from '../../lib/errors.js';
import type { TransitEnv } from './env.js';
import { isECDSA, isRSA, isSymmetric, supportsEncryption, supportsSigning } from './key-types.js';
import { privateKeyObject, publicKeyObject, type KeyPolicy, type KeyVersion } from './policy.js';

const EXPORT_TYPES = ['encryption-key', 'signing-key', 'hmac-key', 'public-key'];
const FORMATS = ['', 'raw', 'der', 'pem'];

function pkcs8(p: KeyPolicy, v: KeyVersion, format: string): string {
  const der = privateKeyObject(p, v).export({ format: 'der', type: 'pkcs8' }) as Buffer;
  return format === 'der' ? der.toString('base64') : `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----`;
}

function exportOne(p: KeyPolicy, v: KeyVersion, type: string, format: string): string {
  if (type === 'hmac-key') {
    if (format === 'der' || format === 'pem') throw badRequest('unknown format for HMAC key; supported values are `` or `raw`');
    return p.type === 'hmac' ? v.key ?? '' : v.hmac_key;
  }
  if (type === 'encryption-key' && isSymmetric(p.type)) {
    if (format === 'der' || format === 'pem') throw badRequest('unknown format for HMAC key; supported values are `` or `raw`');
    return v.key ?? '';
  }
  if (type === 'public-key') {
    if (p.type === 'ed25519') {
      if (format === '' || format === 'raw') return v.public_key ?? '';
    } else if (format === 'raw') {
      throw badRequest(`unknown key format for ${isRSA(p.type) ? 'rsa' : 'ec'} key; supported values are \`\`, \`der\`, or \`pem\``);
    }
    const key = publicKeyObject(p, v);
    if (format === 'der') return (key.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64');
    return (key.export({ format: 'pem', type: 'spki' }) as string).trim();
  }
  // Private asymmetric keys.
  if (p.type === 'ed25519') return format === '' || format === 'raw' ? v.key ?? '' : pkcs8(p, v, format);
  if (format === 'raw') throw badRequest(`unknown key format for ${isRSA(p.type) ? 'rsa' : 'ec'} key; supported values are \`\`, \`der\`, or \`pem\``);
  if (format !== '') return pkcs8(p, v, format);
  const key = createPrivateKey({ key: Buffer.from(v.private_key ?? '', 'base64'), format: 'der', type: 'pkcs8' });
  // Vault's default encodings: PKCS#1 for RSA, SEC 1 for EC (trimmed, as Vault trims it).
  return isRSA(p.type) ? key.export({ format: 'pem', type: 'pkcs1' }) as string : (key.export({ format: 'pem', type: 'sec1' }) as string).trim();
}

export function exportPaths(env: TransitEnv): PathDef[] {
  const handler = async (_r: unknown, d: FieldData): Promise<Response | null> => {
    const type = d.str('type');
    const format = d.str('format');
    if (!EXPORT_TYPES.includes(type)) throw badRequest(`invalid export type: ${type}`);
    if (!FORMATS.includes(format)) throw badRequest(`invalid format: ${format}`);
    const p = await env.store.get(d.str('name'));
    if (!p) return null;
    if (!p.exportable && type !== 'public-key') throw badRequest('private key material is not exportable');
    if (type === 'encryption-key' && !supportsEncryption(p.type)) throw badRequest('encryption not supported for the key');
    if (type === 'signing-key' && !supportsSigning(p.type)) throw badRequest('signing not supported for the key');
    if (type === 'public-key' && !(supportsSigning(p.type))) throw badRequest(`unknown key type ${p.type} for export type ${type}`);
    if (type === 'signing-key' && !(isECDSA(p.type) || isRSA(p.type) || p.type === 'ed25519')) throw badRequest('signing not supported for the key');
    const keys: Record<string, string> = {};
    const version = d.str('version');
    if (!version) {
      for (const [ver, v] of Object.entries(p.keys)) keys[ver] = exportOne(p, v, type, format);
    } else {
      const s = version === 'latest' ? String(p.latest_version) : version.replace(/^v/, '');
      if (!/^\d+$/.test(s)) throw badRequest('invalid key version');
      const n = Number(s);
      if (n < p.min_decryption_version) throw badRequest('version for export is below minimum decryption version');
      const v = p.keys[String(n)];
      if (!v) throw badRequest('version does not exist or cannot be found');
      keys[String(n)] = exportOne(p, v, type, format);
    }
    return { data: { name: p.name, type: p.type, keys } };
  };
  const fields = {
    type: { type: 'string' as const, description: 'encryption-key, signing-key, hmac-key or public-key' },
    name: { type: 'string' as const, description: 'Name of the key' },
    version: { type: 'string' as const, description: 'Version of the key ("latest", "v2" or "2"); all when empty' },
    format: { type: 'string' as const, description: 'Encoding: empty for the type\'s default, raw, der or pem.' },
  };
  return [
    { pattern: 'export/:type/:name/:version', fields, operations: { read: handler }, synopsis: 'Export named encryption or signing key' },
    { pattern: 'export/:type/:name', fields, operations: { read: handler }, synopsis: 'Export named encryption or signing key' },
  ];
}
