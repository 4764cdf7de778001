/**
 * PostgreSQL's SCRAM-SHA-256 password verifier (RFC 5802/7677 as stored in pg_authid), for
 * `password_authentication=scram-sha-256`: the plain password never reaches the database or
 * its statement logs, only this verifier does.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);
const ITERATIONS = 4096;

export async function scramVerifier(password: string, salt = randomBytes(16), iterations = ITERATIONS): Promise<string> {
  const salted = await pbkdf2Async(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
