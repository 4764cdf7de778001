/** `auth enable|disable|list|tune|help|move`: the auth method mount table. */
import { type Command, attempt, checkArgs, ensureTrailingSlash, sanitizePath } from '../command.js';
import { LOGIN_METHODS } from './login-methods.js';
import { enableBody, enableFlags, moveMount, mountMap, outputMounts, requestJSON, runMountPathRequest, tuneBody, tuneFlags } from './mounts.js';

const tokenTypeFlag = { name: 'token-type', kind: 'string' as const, usage: 'Token type for logins through this method: "service", "batch", "default-service" or "default-batch".' };

export const authEnable: Command = {
  name: 'auth enable',
  synopsis: 'Enables a new auth method',
  help: `Usage: coffer auth enable [options] TYPE

  Enables an auth method of TYPE (userpass, approle, kubernetes, jwt, cert,
  aws, …) at auth/<-path>, by default at a path named after the type.

      $ coffer auth enable userpass
      $ coffer auth enable -path=kube-policy kubernetes`,
  flags: [...enableFlags, tokenTypeFlag],
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    let type = ctx.args[0]!.trim();
    if (type === 'plugin') type = ctx.flags['plugin-name'];
    const path = ensureTrailingSlash(ctx.flags['path'] || type);
    const body = enableBody(ctx, type);
    if (ctx.set.has('token-type')) body.config.token_type = ctx.flags['token-type'];
    const res = await attempt(ctx, `Error enabling ${type} auth`, () => requestJSON(ctx.client(), 'POST', `sys/auth/${path.replace(/\/$/, '')}`, body));
    if (!res.ok) return res.code;
    ctx.ui.output(`Success! Enabled ${type} auth method at: ${path}`);
    return 0;
  },
};

export const authDisable: Command = {
  name: 'auth disable',
  synopsis: 'Disables an auth method',
  help: `Usage: coffer auth disable [options] PATH

  Disables the auth method at PATH. Tokens issued through it are revoked.

      $ coffer auth disable userpass/`,
  run: (ctx) => runMountPathRequest(ctx, {
    table: 'sys/auth', method: 'DELETE',
    error: (path) => `Error disabling auth method at ${path}`,
    success: (path) => `Success! Disabled the auth method (if it existed) at: ${path}`,
  }),
};

export const authList: Command = {
  name: 'auth list',
  synopsis: 'Lists enabled auth methods',
  help: `Usage: coffer auth list [options]

  Lists the enabled auth methods. -detailed adds TTLs, options and more.

      $ coffer auth list -detailed`,
  output: { format: true, detailed: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const res = await attempt(ctx, 'Error listing enabled authentications', () => requestJSON(ctx.client(), 'GET', 'sys/auth'));
    if (!res.ok) return res.code;
    return outputMounts(ctx, mountMap(res.value), 'auth');
  },
};

export const authTune: Command = {
  name: 'auth tune',
  synopsis: 'Tunes an auth method configuration',
  help: `Usage: coffer auth tune [options] PATH

  Changes the configuration of the auth method at PATH.

      $ coffer auth tune -default-lease-ttl=72h userpass/`,
  flags: [...tuneFlags, tokenTypeFlag],
  run(ctx) {
    const body = () => {
      const b = tuneBody(ctx);
      if (ctx.set.has('token-type')) b.token_type = ctx.flags['token-type'];
      return b;
    };
    return runMountPathRequest(ctx, {
      table: 'sys/auth', method: 'POST', suffix: '/tune', body,
      error: (path) => `Error tuning auth method ${path}`,
      success: (path) => `Success! Tuned the auth method at: ${path}`,
    });
  },
};

export const authMove: Command = {
  name: 'auth move',
  synopsis: 'Move an auth method to a new path',
  help: `Usage: coffer auth move [options] SOURCE DESTINATION

  Moves the auth method at SOURCE to DESTINATION (both under auth/). Tokens
  issued through the old path are revoked.

      $ coffer auth move auth/userpass auth/people`,
  async run(ctx) {
    const bad = checkArgs(ctx, 2, 2);
    if (bad !== undefined) return bad;
    const withPrefix = (p: string) => (sanitizePath(p).startsWith('auth/') ? p : `auth/${sanitizePath(p)}`);
    return moveMount(ctx, withPrefix(ctx.args[0]!), withPrefix(ctx.args[1]!), 'auth method');
  },
};

export const authHelp: Command = {
  name: 'auth help',
  synopsis: 'Prints usage for an auth method',
  help: `Usage: coffer auth help [options] TYPE | PATH

  Prints how to log in with an auth method: by type (userpass) or by the path
  where one is enabled (my-auth/).

      $ coffer auth help userpass
      $ coffer auth help kube-policy/`,
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const arg = ctx.args[0]!.trim();
    let handler = LOGIN_METHODS[arg];
    if (!handler) {
      const res = await attempt(ctx, 'Error listing auth methods', () => requestJSON(ctx.client(), 'GET', 'sys/auth'));
      if (!res.ok) return res.code;
      const path = ensureTrailingSlash(sanitizePath(arg));
      const mount = mountMap(res.value)[path];
      if (!mount) {
        ctx.ui.warn(`No auth method available on the server at "${path}"`);
        return 1;
      }
      handler = LOGIN_METHODS[mount.type];
      if (!handler) {
        ctx.ui.warn(`No method-specific CLI handler available for auth method "${arg}"`);
        return 2;
      }
    }
    ctx.ui.output(handler.help);
    return 0;
  },
};
