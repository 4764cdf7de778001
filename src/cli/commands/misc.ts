/** `unwrap`, `path-help`, `version`. */
import { readFileSync } from 'node:fs';
import { toApiError } from '../../api/client.js';
import { type Command, attempt, checkArgs, sanitizePath } from '../command.js';
import { outputList, outputSecret, printField } from '../output.js';

export const unwrapCommand: Command = {
  name: 'unwrap',
  synopsis: 'Unwrap a wrapped secret',
  help: `Usage: coffer unwrap [options] [TOKEN]

  Returns the response wrapped in a wrapping token (see -wrap-ttl). The token
  is single-use. Without TOKEN, the calling token is the wrapping token.

      $ coffer unwrap hvs.CAES...
      $ VAULT_TOKEN=hvs.CAES... coffer unwrap`,
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 0-1, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const res = await attempt(ctx, 'Error unwrapping', () => client.unwrap(ctx.args[0]));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) {
      if (ctx.ui.format === 'table') ctx.ui.info('Successfully unwrapped. There was no data in the wrapped secret.');
      return 0;
    }
    if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
    if (Array.isArray(secret.data?.keys)) return outputList(ctx.ui, secret);
    return outputSecret(ctx.ui, secret);
  },
};

export const pathHelpCommand: Command = {
  name: 'path-help',
  synopsis: 'Retrieve API help for paths',
  help: `Usage: coffer path-help [options] PATH

  Shows the server's documentation for an API path: its parameters and what
  each operation does. With -format=json, the path's OpenAPI document.

      $ coffer path-help secret/
      $ coffer path-help pki/issue/my-role`,
  output: { format: true },
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const path = sanitizePath(ctx.args[0]!);
    const client = ctx.client();
    let body: Record<string, any>;
    try {
      const r = await client.request('GET', path, { query: { help: '1' } });
      if (r.status >= 400) throw toApiError(r);
      body = (r.body ?? {}) as Record<string, any>;
    } catch (e) {
      const msg = (e as Error).message;
      if (/sealed/i.test(msg)) return ctx.fail('Error: Vault is sealed.\n\nThe path-help command requires the server to be unsealed so that the mount points of the secret engines are known.');
      return ctx.fail(`Error retrieving help: ${msg}`);
    }
    if (ctx.ui.format === 'json') ctx.ui.output(JSON.stringify(body.openapi ?? null));
    else ctx.ui.output(String(body.help ?? ''));
    return 0;
  },
};

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const versionCommand: Command = {
  name: 'version',
  synopsis: 'Prints the Coffer CLI version',
  help: `Usage: coffer version

  Prints the version of this Coffer CLI (its servers report theirs in
  "coffer status").`,
  local: true,
  async run(ctx) {
    ctx.ui.output(`Coffer v${packageVersion()}`);
    return 0;
  },
};
