/**
 * What a creds request hands out: a username from the plugin's (or the config's) name
 * template, a password in the shape of Vault's default generator (20 characters of
 * [A-Za-z0-9-] with at least one of each class), and the expiration text databases get.
 */
import { randomBytes } from 'node:crypto';
import { NameTemplate } from '../kubernetes/name-template.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const CHARSET = DIGITS + UPPER + LOWER + '-';
const PASSWORD_LENGTH = 20;

function randomString(n: number, charset: string): string {
  let out = '';
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % charset.length);
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < limit) out += charset[b % charset.length];
      if (out.length === n) break;
    }
  }
  return out;
}

export function generatePassword(): string {
  for (;;) {
    const p = randomString(PASSWORD_LENGTH, CHARSET);
    if ([LOWER, UPPER, DIGITS, '-'].every((set) => [...p].some((c) => set.includes(c)))) return p;
  }
}

/** Go's "2006-01-02 15:04:05-0700" in UTC, the format Vault puts into VALID UNTIL. */
export function expirationString(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+0000`;
}

export async function generateUsername(template: string, displayName: string, roleName: string, now: () => number = Date.now): Promise<string> {
  return NameTemplate.parse(template, now).generate({ DisplayName: displayName, RoleName: roleName });
}

/** Parses a username_template, throwing the parser's message for a 400. */
export async function checkUsernameTemplate(template: string): Promise<void> {
  try {
    await NameTemplate.parse(template).generate({ DisplayName: '', RoleName: '' });
  } catch (e) {
    // Empty metadata may well render an empty name; only a template that cannot run is refused.
    if (!/empty name/.test((e as Error).message)) throw e;
  }
}
