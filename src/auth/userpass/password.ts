/** Password hashing for userpass: scrypt with a per-user salt, compared in constant time. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const N = 16384;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEYLEN, { N, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt);
  return `scrypt$${N}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** A fixed hash used when the user does not exist, so both paths cost the same. */
let decoy: Promise<string> | undefined;

export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const hash = stored ?? (await (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
  const [, , saltB64, keyB64] = hash.split('$');
  const want = Buffer.from(keyB64 ?? '', 'base64');
  const got = await scryptAsync(password, Buffer.from(saltB64 ?? '', 'base64'));
  return want.length === got.length && timingSafeEqual(want, got) && stored !== undefined;
}
