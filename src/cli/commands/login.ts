/** `login` (stores the token in ~/.vault-token) and `print token`. */
import type { Secret, VaultClient } from '../../api/client.js';
import { storeToken } from '../../api/env.js';
import { type Command, errorText, sanitizePath } from '../command.js';
import { parseArgsData, stringifyValues } from '../kv-args.js';
import { outputSecret, printField, wrapAtLength } from '../output.js';
import { LOGIN_METHODS } from './login-methods.js';

/** The token of a login answer, unwrapping a wrapped answer when asked to. */
async function extractToken(client: VaultClient, s: Secret | null, unwrap: boolean): Promise<{ secret: Secret; wrapped: boolean }> {
  if (!s) throw new Error('empty response from auth helper');
  if (s.auth) return { secret: s, wrapped: false };
  if (s.wrap_info) {
    if (!s.wrap_info.wrapped_accessor) throw new Error('wrapped response does not contain a token');
    if (!unwrap) return { secret: s, wrapped: true };
    client.token = s.wrap_info.token;
    return extractToken(client, await client.unwrap(), unwrap);
  }
  throw new Error('no auth or wrapping info in response');
}

export const loginCommand: Command = {
  name: 'login',
  synopsis: 'Authenticate locally',
  help: `Usage: coffer login [options] [AUTH K=V...]

  Authenticates to the server with the given auth method and stores the
  resulting token in the token helper (~/.vault-token), so later commands use
  it. The default method is "token": the argument is an existing token.
  "coffer auth help METHOD" describes each method's K=V arguments.

      $ coffer login hvs.CAESI...
      $ coffer login -method=userpass username=alice
      $ coffer login -method=approle role_id=... secret_id=...
      $ coffer login -method=kubernetes -path=kube role=my-app`,
  flags: [
    { name: 'method', kind: 'string', default: 'token', usage: 'The auth method: token, userpass, ldap, approle, kubernetes, jwt, cert, …' },
    { name: 'path', kind: 'string', usage: 'Where the auth method is enabled, when not at its default path (e.g. -path=kube for auth/kube).' },
    { name: 'no-store', kind: 'bool', usage: 'Do not store the token in the token helper.' },
    { name: 'no-print', kind: 'bool', usage: 'Do not print the token (it is still stored).' },
    { name: 'token-only', kind: 'bool', usage: 'Print only the token and do not store it (same as -field=token -no-store).' },
  ],
  output: { field: true, format: true },
  async run(ctx) {
    const f = ctx.flags;
    if (f['token-only']) {
      f['no-store'] = true;
      f['field'] = 'token';
    }
    if (f['no-store'] && f['no-print']) return ctx.fail(wrapAtLength('-no-store and -no-print cannot be used together'), 1);
    const method = sanitizePath(f['method'] || 'token') || 'token';
    const handler = LOGIN_METHODS[method];
    if (!handler) return ctx.fail(wrapAtLength(`Unknown auth method: ${method}. Use "coffer auth list" to see the complete list of auth methods. Additionally, some auth methods are only available via the HTTP API.`), 1);

    let args = [...ctx.args];
    if (method === 'token' && args.length > 0 && !args[0]!.includes('=')) args = [`token=${args[0]}`, ...args.slice(1)];
    let cfg: Record<string, string>;
    try {
      cfg = stringifyValues(await parseArgsData(args, ctx.stdin));
    } catch (e) {
      return ctx.fail(`Error parsing configuration: ${errorText(e)}`, 1);
    }
    if (!cfg.mount) cfg.mount = sanitizePath(f['path'] || '') || handler.defaultMount;

    const client = ctx.clientWithoutToken();
    if (method === 'token') client.token = ctx.env.VAULT_TOKEN?.trim() || undefined;
    let secret: Secret;
    try {
      secret = await handler.login(client, cfg, ctx.io, !!f['non-interactive']);
    } catch (e) {
      return ctx.fail(`Error authenticating: ${errorText(e)}`);
    }
    client.wrapTTL = undefined;
    let extracted: { secret: Secret; wrapped: boolean };
    try {
      extracted = await extractToken(client, secret, !f['token-only'] && !f['no-store']);
    } catch (e) {
      return ctx.fail(`Error extracting token: ${errorText(e)}`);
    }
    secret = extracted.secret;
    if (extracted.wrapped) {
      if (f['token-only']) return printField(ctx.ui, { secret }, 'wrapping_token');
      if (f['no-store']) return outputSecret(ctx.ui, secret);
    }
    if (!secret.auth) return ctx.fail(wrapAtLength('The server returned a secret without authentication information.'));
    const token = secret.auth.client_token;

    if (!f['no-store']) {
      try {
        storeToken(token, ctx.env);
      } catch (e) {
        ctx.ui.error(`Error storing token: ${errorText(e)}`);
        ctx.ui.error(`${wrapAtLength('Authentication was successful, but the token was not persisted. The resulting token is shown below for your records.')}\n`);
        outputSecret(ctx.ui, secret);
        return 2;
      }
      if (ctx.env.VAULT_TOKEN) {
        ctx.ui.warn(`${wrapAtLength('WARNING! The VAULT_TOKEN environment variable is set! The value of this variable will take precedence; if this is unwanted please unset VAULT_TOKEN or update its value accordingly.')}\n`);
      }
    } else if (!f['token-only']) {
      ctx.ui.warn(`${wrapAtLength('The token was not stored in the token helper. Set the VAULT_TOKEN environment variable or pass the token below with each request.')}\n`);
    }
    if (f['no-print']) return 0;
    if (f['field']) return printField(ctx.ui, { secret }, f['field']);
    if (ctx.ui.format === 'table') {
      ctx.ui.output(`${wrapAtLength('Success! You are now authenticated. The token information displayed below is already stored in the token helper. You do NOT need to run "coffer login" again. Future requests will automatically use this token.')}\n`);
    }
    return outputSecret(ctx.ui, secret);
  },
};

export const printTokenCommand: Command = {
  name: 'print token',
  synopsis: 'Prints the token the CLI would use',
  help: `Usage: coffer print token

  Prints the token the CLI would send: VAULT_TOKEN, or the one stored by the
  last "coffer login".`,
  async run(ctx) {
    ctx.ui.output(ctx.client().token ?? '');
    return 0;
  },
};
