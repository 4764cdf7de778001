/**
 * A `sink` block of auto_auth, with Vault Agent's keys and checks: the file path and its mode
 * and owner, `wrap_ttl` (the sink receives the token response-wrapped), and response
 * encryption (`dh_type`, `dh_path`, `derive_key`, `aad`, `aad_env_var`: the sink receives the
 * token sealed to a reader's curve25519 public key, see sink-encrypt.ts).
 */
import type { Section } from './config-values.js';

export interface SinkEncryption {
  type: 'curve25519';
  /** A JSON file {"curve25519_public_key": "<base64>"} written by the reader. */
  path: string;
  /** HKDF the shared secret into the AES key (Vault's derive_key); otherwise use it as is. */
  deriveKey: boolean;
  aad: string;
  /** Read when the agent starts; its value replaces `aad`, as in Vault. */
  aadEnvVar?: string;
}

export interface SinkConfig {
  type: string;
  wrapTTL?: number;
  path: string;
  mode: number;
  uid?: number;
  gid?: number;
  encryption?: SinkEncryption;
}

export function readSink(label: string | undefined, b: Section, warnUnused: (s: Section) => void): SinkConfig {
  const type = label ?? b.string('type');
  if (!type) b.fail(undefined, 'sink type must be specified');
  if (label) b.raw('type');
  if (type !== 'file') b.fail(undefined, `unknown sink type "${type}"`);
  const c = b.child('config') ?? b.fail('config', '"path" is required');
  if (!c.string('path')) b.fail('config', '"path" is required');
  const sink: SinkConfig = {
    type,
    wrapTTL: b.has('wrap_ttl') ? b.duration('wrap_ttl', 0) : undefined,
    path: c.string('path'),
    mode: c.mode('mode') ?? 0o640,
    uid: c.has('uid') ? c.int('uid', -1) : undefined,
    gid: c.has('gid') ? c.int('gid', -1) : undefined,
  };
  const dhType = b.string('dh_type');
  const dhPath = b.string('dh_path');
  const deriveKey = b.bool('derive_key', false);
  const aad = b.string('aad');
  const aadEnvVar = b.string('aad_env_var');
  const where = `sink.${type}`;
  if (dhType !== '' && dhType !== 'curve25519') b.fail('dh_type', `${where}: invalid value for 'dh_type'`);
  if (!dhType && !dhPath) {
    if (aad || aadEnvVar) b.fail(aad ? 'aad' : 'aad_env_var', `${where}: specifying AAD data without 'dh_type' does not make sense`);
    if (deriveKey) b.fail('derive_key', `${where}: specifying 'derive_key' data without 'dh_type' does not make sense`);
  } else if (!dhType || !dhPath) {
    b.fail(dhType ? 'dh_path' : 'dh_type', `${where}: 'dh_type' and 'dh_path' must be specified together`);
  } else {
    sink.encryption = { type: 'curve25519', path: dhPath, deriveKey, aad, aadEnvVar: aadEnvVar || undefined };
  }
  warnUnused(c);
  warnUnused(b);
  return sink;
}
