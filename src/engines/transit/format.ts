/** A key as Vault's `keys/:name` read shows it (formatKeyPolicy): settings, then versions by type. */
import { badRequest } from '../../lib/errors.js';
import { deriveKey } from './cipher.js';
import { ecCurve, isECDSA, isRSA, isSymmetric, supportsDecryption, supportsDerivation, supportsEncryption, supportsSigning } from './key-types.js';
import { ed25519FromSeed, ed25519PublicRaw, type KeyPolicy } from './policy.js';

/** Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros trimmed). */
export function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}

export function formatKey(p: KeyPolicy, context?: Buffer): Record<string, unknown> {
  const data: Record<string, unknown> = {
    name: p.name,
    type: p.type,
    derived: p.derived,
    deletion_allowed: p.deletion_allowed,
    min_available_version: p.min_available_version,
    min_decryption_version: p.min_decryption_version,
    min_encryption_version: p.min_encryption_version,
    latest_version: p.latest_version,
    exportable: p.exportable,
    allow_plaintext_backup: p.allow_plaintext_backup,
    supports_encryption: supportsEncryption(p.type),
    supports_decryption: supportsDecryption(p.type),
    supports_signing: supportsSigning(p.type),
    supports_derivation: supportsDerivation(p.type),
    auto_rotate_period: p.auto_rotate_period,
    imported_key: false,
  };
  if (p.key_size) data.key_size = p.key_size;
  if (p.backup_info) data.backup_info = p.backup_info;
  if (p.restore_info) data.restore_info = p.restore_info;
  if (p.derived) {
    data.kdf = 'hkdf_sha256';
    data.convergent_encryption = p.convergent_encryption;
    if (p.convergent_encryption) data.convergent_encryption_version = p.convergent_version;
  }
  if (isSymmetric(p.type)) {
    // Symmetric versions show only their creation time, in Unix seconds.
    const keys: Record<string, number> = {};
    for (const [v, k] of Object.entries(p.keys)) keys[v] = Math.floor(k.time / 1000);
    data.keys = keys;
  } else if (p.type !== 'hmac') {
    const keys: Record<string, unknown> = {};
    for (const [v, k] of Object.entries(p.keys)) {
      let publicKey = k.public_key ?? '';
      let name = p.type;
      if (isECDSA(p.type)) name = ecCurve(p.type) as typeof name;
      if (p.type === 'ed25519' && p.derived) {
        // A derived key has a public key per context; without one Vault shows none.
        publicKey = context?.length ? ed25519PublicRaw(ed25519FromSeed(deriveKey(p, Number(v), context, 32))).toString('base64') : '';
      }
      if (isRSA(p.type)) name = p.type;
      keys[v] = { name, public_key: publicKey, certificate_chain: '', creation_time: goTime(k.time) };
    }
    data.keys = keys;
  }
  return data;
}

export function decodeContextField(raw: string): Buffer | undefined {
  if (!raw) return undefined;
  const b = Buffer.from(raw, 'base64');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(raw) || raw.length % 4 !== 0) throw badRequest('failed to base64-decode context');
  return b;
}
