import { randomBytes, randomUUID } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Unbiased base62 string from crypto randomness (rejection sampling). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const buf = randomBytes(length * 2);
    for (const b of buf) {
      if (b < 248) out += BASE62[b % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const uuid = (): string => randomUUID();

/** Vault service tokens: `hvs.` + 24 base62 characters. */
export const newServiceToken = (): string => `hvs.${randomBase62(24)}`;

/** Vault batch tokens start with `hvb.`. */
export const newBatchToken = (): string => `hvb.${randomBase62(24)}`;

/** Accessors are Vault-style 24 base62 characters. */
export const newAccessor = (): string => randomBase62(24);
