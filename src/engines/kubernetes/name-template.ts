/**
 * Vault's name templates (sdk/helper/template): Go text/template with truncate, lowercase,
 * uppercase, replace, random, unix_time, unix_time_millis, timestamp, uuid, sha256, base64 and
 * truncate_sha256, executed by the Go template engine Coffer's agent uses.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Template } from '../../agent/template/template.js';
import { goFunc } from '../../agent/template/types.js';

export const DEFAULT_NAME_TEMPLATE = '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (unix_time) (random 24) | truncate 62 | lowercase }}';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function random(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248) out += ALPHANUMERIC[b % 62];
      if (out.length === n) break;
    }
  }
  return out;
}

/** Go's time.Format for the reference-layout tokens Vault users write in `timestamp`. */
function goTimeFormat(layout: string, d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const parts: [string, string][] = [
    ['2006', String(d.getUTCFullYear())], ['01', pad(d.getUTCMonth() + 1)], ['02', pad(d.getUTCDate())],
    ['15', pad(d.getUTCHours())], ['04', pad(d.getUTCMinutes())], ['05', pad(d.getUTCSeconds())], ['Z07:00', 'Z'],
  ];
  let out = layout;
  for (const [token, value] of parts) out = out.split(token).join(value);
  return out;
}

const funcs = (now: () => number) => ({
  truncate: goFunc(['int', 'string'], (n: number, s: string) => {
    if (n < 0) throw new Error('max length must be >= 0');
    return s.length > n ? s.slice(0, n) : s;
  }),
  truncate_sha256: goFunc(['int', 'string'], (n: number, s: string) => {
    if (n < 8) throw new Error('max length must be >= 8');
    if (s.length <= n) return s;
    return s.slice(0, n - 8) + createHash('sha256').update(s.slice(n - 8)).digest('hex').slice(0, 8);
  }),
  lowercase: goFunc(['string'], (s: string) => s.toLowerCase()),
  uppercase: goFunc(['string'], (s: string) => s.toUpperCase()),
  replace: goFunc(['string', 'string', 'string'], (find: string, repl: string, s: string) => s.split(find).join(repl)),
  random: goFunc(['int'], (n: number) => {
    if (n < 1) throw new Error('length must be >= 1');
    return random(n);
  }),
  unix_time: goFunc([], () => String(Math.floor(now() / 1000))),
  unix_time_millis: goFunc([], () => String(Math.floor(now()))),
  timestamp: goFunc(['string'], (layout: string) => goTimeFormat(layout, new Date(now()))),
  uuid: goFunc([], () => randomUUID()),
  sha256: goFunc(['string'], (s: string) => createHash('sha256').update(s).digest('hex')),
  base64: goFunc(['string'], (s: string) => Buffer.from(s).toString('base64')),
});

export class NameTemplate {
  private constructor(private readonly t: Template) {}

  /** Parses a template; throws with the parser's message (Vault: "unable to initialize name template: …"). */
  static parse(text: string, now: () => number = Date.now): NameTemplate {
    return new NameTemplate(Template.parse(text || DEFAULT_NAME_TEMPLATE, { funcs: funcs(now) }));
  }

  async generate(data: { DisplayName: string; RoleName: string }): Promise<string> {
    const out = (await this.t.execute(data)).trim();
    if (!out) throw new Error('the name template produced an empty name');
    return out;
  }
}
