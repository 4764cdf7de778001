/**
 * sys/generate-root/attempt|update: a new root token from a quorum of unseal keys, handed
 * out XOR'd with a one-time password so it never crosses the wire in clear.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { combineShares } from '../../barrier/seal/shamir-seal.js';
import type { Core } from '../../core/core.js';
import type { PathDef } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import { randomBase62 } from '../../lib/ids.js';
import { decodeKey } from './lifecycle.js';

/** `hvs.` + 24 characters: the OTP is as long as the token it masks. */
export const OTP_LENGTH = 28;

interface Attempt {
  nonce: string;
  otp: string;
  shares: Uint8Array[];
  encoded: string;
}

export function xorEncode(token: string, otp: string): string {
  const t = Buffer.from(token);
  const o = Buffer.from(otp);
  if (t.length !== o.length) throw new Error('length of the OTP does not match the token');
  return Buffer.from(t.map((b, i) => b ^ o[i]!)).toString('base64').replace(/=+$/, '');
}

export function xorDecode(encoded: string, otp: string): string {
  const e = Buffer.from(encoded, 'base64');
  const o = Buffer.from(otp);
  if (e.length !== o.length) throw new Error('length of the OTP does not match the encoded token');
  return Buffer.from(e.map((b, i) => b ^ o[i]!)).toString();
}

export function generateRootPaths(core: Core): PathDef[] {
  let attempt: Attempt | undefined;
  const status = async (extra: Record<string, unknown> = {}) => {
    const cfg = await core.seal.config();
    return {
      raw: {
        status: 200, contentType: 'application/json',
        body: JSON.stringify({
          started: attempt !== undefined, nonce: attempt?.nonce ?? '', progress: attempt?.shares.length ?? 0,
          required: cfg?.secret_threshold ?? 0, complete: Boolean(attempt?.encoded), encoded_token: attempt?.encoded ?? '',
          encoded_root_token: attempt?.encoded ?? '', pgp_fingerprint: '', otp: '', otp_length: OTP_LENGTH, ...extra,
        }),
      },
    };
  };
  return [
    {
      pattern: 'generate-root/attempt',
      fields: { otp: { type: 'string' }, pgp_key: { type: 'string' } },
      synopsis: 'Reads, starts or cancels a root token generation.',
      operations: {
        read: async () => status(),
        update: async (_r, d) => {
          if (attempt) throw badRequest('root generation already in progress');
          if (d.str('pgp_key')) throw badRequest('PGP-encrypted root tokens are not supported by Coffer; use an OTP');
          let otp = d.str('otp');
          const generated = !otp;
          if (generated) otp = randomBase62(OTP_LENGTH);
          if (otp.length !== OTP_LENGTH) throw badRequest(`OTP string is wrong length; expected ${OTP_LENGTH}`);
          attempt = { nonce: randomUUID(), otp, shares: [], encoded: '' };
          return status(generated ? { otp } : {});
        },
        delete: async () => { attempt = undefined; return null; },
      },
    },
    {
      pattern: 'generate-root/update',
      fields: { key: { type: 'string', required: true }, nonce: { type: 'string', required: true } },
      synopsis: 'Provides an unseal key share towards a root token generation.',
      operations: {
        update: async (_r, d) => {
          if (!attempt) throw badRequest('no root generation in progress');
          const nonce = Buffer.from(d.str('nonce'));
          const want = Buffer.from(attempt.nonce);
          if (nonce.length !== want.length || !timingSafeEqual(nonce, want)) throw badRequest('incorrect nonce supplied; nonce for this root generation operation is ' + attempt.nonce);
          if (attempt.encoded) return status();
          const key = decodeKey(d.str('key'));
          if (attempt.shares.some((s) => Buffer.compare(Buffer.from(s), Buffer.from(key)) === 0)) {
            throw badRequest('given key has already been provided during this generation operation');
          }
          attempt.shares.push(key);
          const cfg = await core.seal.config();
          const threshold = cfg?.secret_threshold ?? 1;
          if (attempt.shares.length < threshold) return status();
          const unsealKey = threshold === 1 ? attempt.shares[0]! : await combineShares(attempt.shares);
          const ok = await core.seal.verifyUnsealKey(unsealKey);
          if (!ok) {
            attempt.shares = [];
            throw badRequest('unable to authenticate: the unseal keys supplied do not reconstruct the unseal key');
          }
          const root = await core.createRootToken();
          attempt.encoded = xorEncode(root.id, attempt.otp);
          const out = await status();
          attempt = undefined;
          return out;
        },
      },
    },
  ];
}
