/**
 * `operator generate-root`: builds a new root token from a quorum of unseal keys. The token
 * comes back XOR'd with a one-time password; `-decode=… -otp=…` recovers it locally.
 */
import { randomInt } from 'node:crypto';
import { toApiError, type VaultClient } from '../../api/client.js';
import { type Command, type Context, attempt } from '../command.js';
import { Struct, columnOutput } from '../format.js';
import { askSecret, readAll } from '../io.js';
import { outputData, wrapAtLength } from '../output.js';

type Json = Record<string, any>;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Vault's service tokens: "hvs." + 24 characters; the OTP must be as long. */
const DEFAULT_OTP_LENGTH = 28;

export function randomBase62(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += BASE62[randomInt(BASE62.length)];
  return s;
}

/** Recovers the token: base64 (padding optional) XOR the OTP's bytes. */
export function decodeRootToken(encoded: string, otp: string): string {
  const e = Buffer.from(encoded.trim(), 'base64');
  const o = Buffer.from(otp, 'utf8');
  if (e.length !== o.length) throw new Error(`length of the OTP (${o.length}) does not match the length of the encoded token (${e.length})`);
  return Buffer.from(e.map((b, i) => b ^ o[i]!)).toString('utf8');
}

async function call(client: VaultClient, method: string, body?: unknown): Promise<Json> {
  const res = await client.request(method, 'sys/generate-root/attempt', { body, wrapTTL: null });
  if (res.status >= 400) throw toApiError(res);
  return (res.body && typeof res.body === 'object' ? res.body : {}) as Json;
}

function statusStruct(s: Json): Struct {
  return Struct.of({
    nonce: s.nonce ?? '', started: s.started ?? false, progress: s.progress ?? 0, required: s.required ?? 0,
    complete: s.complete ?? false, encoded_token: s.encoded_token ?? '', encoded_root_token: s.encoded_root_token ?? '',
    pgp_fingerprint: s.pgp_fingerprint ?? '', otp: s.otp ?? '', otp_length: s.otp_length ?? 0,
  });
}

function printStatus(ctx: Context, s: Json): number {
  if (ctx.ui.format !== 'table') return outputData(ctx.ui, statusStruct(s));
  const rows = [`Nonce | ${s.nonce ?? ''}`, `Started | ${s.started ?? false}`, `Progress | ${s.progress ?? 0}/${s.required ?? 0}`, `Complete | ${s.complete ?? false}`];
  if (s.pgp_fingerprint) rows.push(`PGP Fingerprint | ${s.pgp_fingerprint}`);
  if (s.encoded_token) rows.push(`Encoded Token | ${s.encoded_token}`);
  else if (s.encoded_root_token) rows.push(`Encoded Root Token | ${s.encoded_root_token}`);
  if (s.otp) {
    ctx.ui.warn(wrapAtLength('A one-time password was generated for you and is shown in the OTP field. Keep it: it is needed to decode the new root token.'));
    rows.push(`OTP | ${s.otp}`);
  }
  if (s.otp_length) rows.push(`OTP Length | ${s.otp_length}`);
  ctx.ui.output(columnOutput(rows));
  return 0;
}

export const operatorGenerateRoot: Command = {
  name: 'operator generate-root',
  synopsis: 'Generates a new root token',
  help: `Usage: coffer operator generate-root [options] [KEY]

  Generates a new root token from a quorum of unseal key shares:

    1. Start:           $ coffer operator generate-root -init
       (prints a nonce and a generated OTP; or bring your own with
        -otp="$(coffer operator generate-root -generate-otp)")
    2. Each key holder:  $ coffer operator generate-root -nonce=NONCE KEY
       (or without KEY to be asked for it)
    3. Decode:          $ coffer operator generate-root -decode=ENCODED -otp=OTP

  -status shows the attempt in progress, -cancel discards it.`,
  flags: [
    { name: 'init', kind: 'bool', usage: 'Start a root token generation.' },
    { name: 'cancel', kind: 'bool', usage: 'Cancel the generation in progress; the shares given so far are discarded.' },
    { name: 'status', kind: 'bool', usage: 'Show the generation in progress.' },
    { name: 'decode', kind: 'string', usage: 'Decode an encoded root token (use "-" to read it from stdin); needs -otp.' },
    { name: 'generate-otp', kind: 'bool', usage: 'Print a random OTP of the length the server expects.' },
    { name: 'otp', kind: 'string', usage: 'The OTP to start with (-init) or to decode with (-decode).' },
    { name: 'pgp-key', kind: 'string', usage: 'Not supported by Coffer; use an OTP.' },
    { name: 'nonce', kind: 'string', usage: 'The nonce of the generation in progress, required when giving a key.' },
    { name: 'recovery-token', kind: 'bool', hidden: true, usage: 'Recovery tokens (auto-unseal only); not supported.' },
  ],
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 0-1, got ${ctx.args.length})`, 1);
    if (ctx.flags['recovery-token']) return ctx.fail('Recovery tokens need an auto-unseal seal, which this server does not use', 1);
    const f = ctx.flags;
    const client = ctx.client();

    if (f['generate-otp']) {
      const st = await attempt(ctx, 'Error getting root generation status', () => call(client, 'GET'));
      if (!st.ok) return st.code;
      const otp = randomBase62(st.value.otp_length || DEFAULT_OTP_LENGTH);
      if (ctx.ui.format === 'table') {
        ctx.ui.raw(otp);
        return 0;
      }
      return outputData(ctx.ui, { otp, otp_length: otp.length });
    }

    if (f['decode'] !== '') {
      let encoded = f['decode'] as string;
      if (!f['otp']) return ctx.fail('Missing otp: use -otp to supply it', 1);
      if (encoded === '-') {
        encoded = ctx.stdin ? (await readAll(ctx.stdin)).trim() : '';
        if (!encoded) return ctx.fail('Missing encoded value. When using -decode="-" value must be passed via stdin.', 1);
      }
      const st = await attempt(ctx, 'Error getting root generation status', () => call(client, 'GET'));
      if (!st.ok) return st.code;
      let token: string;
      try {
        token = decodeRootToken(encoded, f['otp']);
      } catch (e) {
        return ctx.fail(`Error decoding root token: ${(e as Error).message}`, 1);
      }
      if (ctx.ui.format === 'table') {
        ctx.ui.raw(token);
        return 0;
      }
      return outputData(ctx.ui, { token });
    }

    if (f['cancel']) {
      const r = await attempt(ctx, 'Error canceling root token generation', () => call(client, 'DELETE'));
      if (!r.ok) return r.code;
      ctx.ui.output('Success! Root token generation canceled (if it was started)');
      return 0;
    }

    if (f['init']) {
      if (f['otp'] && f['pgp-key']) return ctx.fail('Error initializing: cannot specify both -otp and -pgp-key', 1);
      const body: Json = {};
      if (f['otp']) body.otp = f['otp'];
      if (f['pgp-key']) body.pgp_key = f['pgp-key'];
      const r = await attempt(ctx, 'Error initializing root generation', () => call(client, 'PUT', body));
      if (!r.ok) return r.code;
      return printStatus(ctx, r.value);
    }

    if (f['status']) {
      const r = await attempt(ctx, 'Error getting root generation status', () => call(client, 'GET'));
      if (!r.ok) return r.code;
      return printStatus(ctx, r.value);
    }

    // Providing a key share.
    const st = await attempt(ctx, 'Error getting root generation status', () => call(client, 'GET'));
    if (!st.ok) return st.code;
    if (!st.value.started) {
      ctx.ui.error(wrapAtLength('No root generation is in progress. Start one with "coffer operator generate-root -init".'));
      ctx.ui.warn(wrapAtLength(`If you bring your own OTP, it must be ${st.value.otp_length ?? DEFAULT_OTP_LENGTH} characters long.`));
      return 1;
    }
    let key = ctx.args[0] ?? '';
    let nonce = f['nonce'] as string;
    if (key === '-') {
      key = ctx.stdin ? await readAll(ctx.stdin) : '';
    } else if (key === '') {
      nonce = st.value.nonce;
      if (f['non-interactive']) return ctx.fail(wrapAtLength('Refusing to read from stdin with -non-interactive specified; specify nonce via the -nonce flag'), 1);
      ctx.io.stderr.write(`Operation nonce: ${nonce}\n`);
      try {
        key = await askSecret(ctx.io, 'Unseal Key (will be hidden): ');
      } catch (e) {
        return ctx.fail(`An error occurred attempting to ask for the unseal key: ${(e as Error).message}`, 1);
      }
    }
    key = key.trim();
    if (!nonce) return ctx.fail('Missing nonce value: specify it via the -nonce flag', 1);
    const up = await attempt(ctx, 'Error posting unseal key', async () => {
      const res = await client.request('PUT', 'sys/generate-root/update', { body: { key, nonce }, wrapTTL: null });
      if (res.status >= 400) throw toApiError(res);
      return (res.body ?? {}) as Json;
    });
    if (!up.ok) return up.code;
    return printStatus(ctx, up.value);
  },
};
