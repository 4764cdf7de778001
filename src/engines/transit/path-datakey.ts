/** `datakey/plaintext/:name` and `datakey/wrapped/:name`: a fresh key for client-side encryption, encrypted by a transit key. */
import { randomBytes } from 'node:crypto';
import type { PathDef } from '../../framework/backend.js';
import { badRequest } from '../../lib/errors.js';
import { decodeBase64, encrypt } from './cipher.js';
import { mustGet, type TransitEnv } from './env.js';
import { decodeContextField } from './format.js';
import { isSymmetric } from './key-types.js';

export function datakeyPaths(env: TransitEnv): PathDef[] {
  return [{
    pattern: 'datakey/:plaintext/:name',
    fields: {
      name: { type: 'string', description: 'The backend key used for encrypting the data key' },
      plaintext: { type: 'string', description: '"plaintext" returns the key in the clear too, "wrapped" only encrypted.' },
      context: { type: 'string', description: 'Base64 context for key derivation.' },
      bits: { type: 'int', default: 256, description: 'Number of bits of the data key: 128, 256 or 512.' },
      key_version: { type: 'int', description: 'Key version to encrypt the data key with (0: latest).' },
      associated_data: { type: 'string', description: 'Base64 associated data (AEAD key types).' },
    },
    operations: {
      update: async (_r, d) => {
        const kind = d.str('plaintext');
        if (kind !== 'plaintext' && kind !== 'wrapped') throw badRequest("Invalid path, must be 'plaintext' or 'wrapped'");
        const context = decodeContextField(d.str('context'));
        const p = await mustGet(env, d.str('name'));
        const bits = d.int('bits');
        if (bits !== 128 && bits !== 256 && bits !== 512) throw badRequest('invalid bit length');
        let aad: Buffer | undefined;
        if (d.str('associated_data')) {
          if (!isSymmetric(p.type)) throw badRequest(`'associated_data' provided for non-AEAD cipher suite ${p.type}`);
          aad = decodeBase64(d.str('associated_data'));
        }
        const key = randomBytes(bits / 8);
        const r = encrypt(p, d.int('key_version'), key, { context, associatedData: aad });
        const data: Record<string, unknown> = { ciphertext: r.ciphertext, key_version: r.version };
        if (kind === 'plaintext') data.plaintext = key.toString('base64');
        return { data };
      },
    },
    synopsis: 'Generate a data key',
  }];
}
