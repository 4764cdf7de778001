/**
 * Vault's plaintext key backup: base64 of the JSON of keysutil's KeyData ({policy, archived_keys}),
 * with Go's encodings (key type as its enum number, []byte as base64, big.Int as bare JSON
 * numbers, rsa.PrivateKey as {N, E, D, Primes}, durations in nanoseconds), so a backup moves
 * between Vault and Coffer in either direction.
 */
import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { badRequest } from '../../lib/errors.js';
import { goTime } from './format.js';
import { ecCurve, isECDSA, isKeyType, isRSA, type KeyType } from './key-types.js';
import { privateKeyObject, type KeyPolicy, type KeyVersion } from './policy.js';

/** keysutil's KeyType enum, in declaration order. */
const GO_TYPES: KeyType[] = ['aes256-gcm96', 'ecdsa-p256', 'ed25519', 'rsa-2048', 'rsa-4096', 'chacha20-poly1305', 'ecdsa-p384', 'ecdsa-p521', 'aes128-gcm96', 'rsa-3072', 'hmac'];

const ZERO_TIME = '0001-01-01T00:00:00Z';
const BIG = '\u0000big:';

const b64u = (s: string) => BigInt('0x' + (Buffer.from(s, 'base64url').toString('hex') || '0'));
const toB64u = (n: bigint, len?: number) => {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let buf = Buffer.from(hex, 'hex');
  if (len && buf.length < len) buf = Buffer.concat([Buffer.alloc(len - buf.length), buf]);
  return buf.toString('base64url');
};
const big = (n: bigint) => BIG + n.toString();

/** JSON with bigints written as bare numbers (Go's big.Int encoding). */
function stringify(v: unknown): string {
  return JSON.stringify(v).replace(new RegExp(`"${BIG.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g'), '$1');
}

/** Parses JSON keeping integers too long for a double exact (as decimal strings). */
function parse(text: string): any {
  return JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
}

function modInverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}

function emptyEntry(): Record<string, unknown> {
  return { key: null, hmac_key: null, time: ZERO_TIME, ec_x: null, ec_y: null, ec_d: null, rsa_key: null, rsa_public_key: null, public_key: '', convergent_version: 0, creation_time: 0, certificate_chain: null };
}

function entryToGo(p: KeyPolicy, v: KeyVersion): Record<string, unknown> {
  const e: Record<string, unknown> = { ...emptyEntry(), hmac_key: v.hmac_key, time: goTime(v.time), creation_time: Math.floor(v.time / 1000), convergent_version: v.convergent_version ?? 0 };
  if (v.key) e.key = v.key;
  if (p.type === 'ed25519' || isECDSA(p.type)) e.public_key = v.public_key ?? '';
  if (isECDSA(p.type)) {
    const jwk = privateKeyObject(p, v).export({ format: 'jwk' });
    Object.assign(e, { ec_x: big(b64u(jwk.x!)), ec_y: big(b64u(jwk.y!)), ec_d: big(b64u(jwk.d!)) });
  } else if (isRSA(p.type)) {
    const j = privateKeyObject(p, v).export({ format: 'jwk' });
    e.rsa_key = {
      N: big(b64u(j.n!)), E: Number(b64u(j.e!)), D: big(b64u(j.d!)), Primes: [big(b64u(j.p!)), big(b64u(j.q!))],
      Precomputed: { Dp: big(b64u(j.dp!)), Dq: big(b64u(j.dq!)), Qinv: big(b64u(j.qi!)), CRTValues: [] },
    };
  }
  return e;
}

export function backupPolicy(p: KeyPolicy): string {
  const active: Record<string, unknown> = {};
  const archive: Record<string, unknown>[] = [emptyEntry()];
  for (let ver = 1; ver <= p.latest_version; ver++) {
    const v = p.keys[String(ver)];
    const e = v ? entryToGo(p, v) : emptyEntry();
    archive.push(e);
    // As Vault keeps them: only versions still allowed to decrypt are in the policy itself.
    if (v && ver >= p.min_decryption_version) active[String(ver)] = e;
  }
  const policy: Record<string, unknown> = {
    name: p.name, keys: active, derived: p.derived, kdf: p.derived ? 1 : 0, convergent_encryption: p.convergent_encryption,
    exportable: p.exportable, min_decryption_version: p.min_decryption_version, min_encryption_version: p.min_encryption_version,
    latest_version: p.latest_version, archive_version: p.latest_version, archive_min_version: p.min_available_version,
    min_available_version: p.min_available_version, deletion_allowed: p.deletion_allowed, convergent_version: p.convergent_version,
    type: GO_TYPES.indexOf(p.type), backup_info: p.backup_info ?? null, restore_info: p.restore_info ?? null,
    allow_plaintext_backup: p.allow_plaintext_backup, version_template: '', storage_prefix: '',
    auto_rotate_period: big(BigInt(p.auto_rotate_period) * 1_000_000_000n), Imported: false, AllowImportedKeyRotation: false, soft_deleted: false,
  };
  if (p.key_size) policy.key_size = p.key_size;
  return Buffer.from(stringify({ policy, archived_keys: { keys: archive } })).toString('base64');
}

const num = (v: unknown) => (typeof v === 'string' ? BigInt(v) : BigInt(Math.trunc(Number(v ?? 0))));
const hasMaterial = (e: any) => !!(e && (e.key || e.rsa_key || e.ec_d));

function entryFromGo(type: KeyType, e: any): KeyVersion {
  const t = Date.parse(e.time);
  const v: KeyVersion = { hmac_key: e.hmac_key ?? '', time: Number.isFinite(t) && e.time !== ZERO_TIME ? t : Number(e.creation_time ?? 0) * 1000 };
  if (e.convergent_version) v.convergent_version = e.convergent_version;
  if (e.key) v.key = e.key;
  if (type === 'hmac' && !v.hmac_key) v.hmac_key = v.key ?? '';
  if (type === 'ed25519') {
    v.public_key = e.public_key || Buffer.from(v.key ?? '', 'base64').subarray(32).toString('base64');
  } else if (isECDSA(type) || isRSA(type)) {
    let jwk: JsonWebKey;
    if (isECDSA(type)) {
      const len = { 'ecdsa-p256': 32, 'ecdsa-p384': 48, 'ecdsa-p521': 66 }[type as string]!;
      jwk = { kty: 'EC', crv: ecCurve(type), x: toB64u(num(e.ec_x), len), y: toB64u(num(e.ec_y), len), d: toB64u(num(e.ec_d), len) };
    } else {
      const k = e.rsa_key;
      const [n, d, p, q] = [num(k.N), num(k.D), num(k.Primes[0]), num(k.Primes[1])];
      jwk = { kty: 'RSA', n: toB64u(n), e: toB64u(num(k.E)), d: toB64u(d), p: toB64u(p), q: toB64u(q), dp: toB64u(d % (p - 1n)), dq: toB64u(d % (q - 1n)), qi: toB64u(modInverse(q, p)) };
    }
    const priv = createPrivateKey({ key: jwk, format: 'jwk' });
    v.private_key = (priv.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64');
    v.public_key = createPublicKey(priv).export({ format: 'pem', type: 'spki' }) as string;
  }
  return v;
}

/** A backup back into a key; `name` renames it. */
export function restorePolicy(backup: string, name: string | undefined, now: number): KeyPolicy {
  let data: any;
  try {
    data = parse(Buffer.from(backup, 'base64').toString('utf8'));
  } catch {
    throw badRequest('failed to decode the backup');
  }
  const g = data?.policy;
  const type = GO_TYPES[Number(g?.type)];
  if (!g || !type || !isKeyType(type)) throw badRequest('backup holds no supported key');
  const keys: Record<string, KeyVersion> = {};
  const archived: any[] = data.archived_keys?.keys ?? [];
  archived.forEach((e, ver) => { if (ver > 0 && hasMaterial(e)) keys[String(ver)] = entryFromGo(type, e); });
  for (const [ver, e] of Object.entries(g.keys ?? {})) if (hasMaterial(e)) keys[ver] = entryFromGo(type, e);
  if (g.derived && Number(g.kdf) !== 1) throw badRequest('backup uses the legacy hmac-sha256-counter KDF, which Coffer does not support');
  const latest = Number(g.latest_version ?? 0);
  return {
    name: name || g.name, type, derived: !!g.derived, convergent_encryption: !!g.convergent_encryption,
    convergent_version: Number(g.convergent_version ?? 0), exportable: !!g.exportable, allow_plaintext_backup: !!g.allow_plaintext_backup,
    deletion_allowed: !!g.deletion_allowed, auto_rotate_period: Number(num(g.auto_rotate_period) / 1_000_000_000n),
    latest_version: latest, min_decryption_version: Number(g.min_decryption_version ?? 1) || 1,
    min_encryption_version: Number(g.min_encryption_version ?? 0), min_available_version: Number(g.min_available_version ?? 0),
    ...(g.key_size ? { key_size: Number(g.key_size) } : {}), keys,
    ...(g.backup_info ? { backup_info: g.backup_info } : {}),
    restore_info: { time: goTime(now), version: latest },
  };
}
