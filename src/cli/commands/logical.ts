/** `read`, `write`, `delete`, `list`, `patch`: the generic commands for any API path. */
import type { Secret } from '../../api/client.js';
import { type Command, type Context, attempt, errorText, sanitizePath } from '../command.js';
import { parseArgsData, stringListValues } from '../kv-args.js';
import { outputData, outputList, outputSecret, printField, wrapAtLength } from '../output.js';

function outputWriteResult(ctx: Context, path: string, secret: Secret | null): number {
  if (!secret) {
    if (ctx.ui.format === 'table') ctx.ui.info(`Success! Data written to: ${path}`);
    return 0;
  }
  if (secret.auth && (secret.auth as Record<string, unknown>).mfa_requirement) {
    ctx.ui.warn(`${wrapAtLength('A login request was issued that is subject to MFA validation. Please make sure to validate the login by sending another request to sys/mfa/validate endpoint.')}\n`);
  }
  if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
  return outputSecret(ctx.ui, secret);
}

async function dataArgs(ctx: Context, args: string[]): Promise<Record<string, unknown> | number> {
  try {
    return await parseArgsData(args, ctx.stdin);
  } catch (e) {
    return ctx.fail(`Failed to parse K=V data: ${errorText(e)}`, 1);
  }
}

export const readCommand: Command = {
  name: 'read',
  synopsis: 'Read data and retrieves secrets',
  help: `Usage: coffer read [options] PATH [K=V...]

  Reads the data at PATH. Extra K=V pairs are sent as query parameters.

      $ coffer read secret/foo
      $ coffer read -field=certificate pki/cert/ca
      $ coffer read -format=raw sys/metrics format=prometheus`,
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const path = sanitizePath(ctx.args[0]!);
    const data = await dataArgs(ctx, ctx.args.slice(1));
    if (typeof data === 'number') return data;
    const query = stringListValues(data);
    if (ctx.ui.format === 'raw') {
      const res = await attempt(ctx, `Error reading: ${path}`, () => client.request('GET', path, { query }));
      if (!res.ok) return res.code;
      const body = res.value.body;
      if (body === null) return ctx.fail(`No value found at ${path}`);
      ctx.ui.output(typeof body === 'string' ? body : JSON.stringify(body));
      return res.value.status >= 400 ? 2 : 0;
    }
    const res = await attempt(ctx, `Error reading ${path}`, () => client.read(path, query));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) return ctx.fail(`No value found at ${path}`);
    if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
    return outputSecret(ctx.ui, secret);
  },
};

export const writeCommand: Command = {
  name: 'write',
  synopsis: 'Write data, configuration, and secrets',
  help: `Usage: coffer write [options] PATH [DATA K=V...]

  Writes data to PATH. DATA is K=V pairs: a value "@file" reads the file, "-"
  reads stdin, and a lone "-" reads a JSON object from stdin. Repeating a key
  sends a list. Use -force to write with no data.

      $ coffer write secret/foo value=bar
      $ coffer write pki/intermediate/set-signed certificate=@ca.pem
      $ coffer write -field=csr pki/intermediate/generate/internal common_name=ca > ca.csr
      $ coffer write -f kubernetes/config`,
  flags: [{ name: 'force', aliases: ['f'], kind: 'bool', usage: 'Allow a write with no data (for endpoints that take none).' }],
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
    if (ctx.args.length === 1 && !ctx.flags['force']) return ctx.fail('Must supply data or use -force', 1);
    const path = sanitizePath(ctx.args[0]!);
    const data = await dataArgs(ctx, ctx.args.slice(1));
    if (typeof data === 'number') return data;
    const client = ctx.client();
    const res = await attempt(ctx, `Error writing data to ${path}`, () => client.write(path, data));
    if (!res.ok) return res.code;
    return outputWriteResult(ctx, path, res.value);
  },
};

export const patchCommand: Command = {
  name: 'patch',
  synopsis: 'Patch data, configuration, and secrets',
  help: `Usage: coffer patch [options] PATH [DATA K=V...]

  Sends an HTTP PATCH (JSON merge patch) with DATA to PATH, for endpoints that
  support it. DATA is given as for "coffer write".

      $ coffer patch pki/roles/example allow_localhost=false`,
  flags: [{ name: 'force', aliases: ['f'], kind: 'bool', usage: 'Allow a patch with no data.' }],
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
    if (ctx.args.length === 1 && !ctx.flags['force']) return ctx.fail('Must supply data or use -force', 1);
    const path = sanitizePath(ctx.args[0]!);
    const data = await dataArgs(ctx, ctx.args.slice(1));
    if (typeof data === 'number') return data;
    const client = ctx.client();
    const res = await attempt(ctx, `Error writing data to ${path}`, () => client.patch(path, data));
    if (!res.ok) return res.code;
    return outputWriteResult(ctx, path, res.value);
  },
};

export const deleteCommand: Command = {
  name: 'delete',
  synopsis: 'Delete secrets and configuration',
  help: `Usage: coffer delete [options] PATH [K=V...]

  Deletes the data at PATH. Extra K=V pairs are sent as query parameters.

      $ coffer delete secret/foo
      $ coffer delete transit/keys/my-key`,
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected at least 1, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const path = sanitizePath(ctx.args[0]!);
    let query: Record<string, string[]>;
    try {
      query = stringListValues(await parseArgsData(ctx.args.slice(1), ctx.stdin));
    } catch (e) {
      return ctx.fail(`Failed to parse string list data: ${errorText(e)}`, 1);
    }
    const res = await attempt(ctx, `Error deleting ${path}`, () => client.delete(path, query));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) {
      if (ctx.ui.format === 'table') ctx.ui.info(`Success! Data deleted (if it existed) at: ${path}`);
      return 0;
    }
    if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
    return outputSecret(ctx.ui, secret);
  },
};

export const listCommand: Command = {
  name: 'list',
  synopsis: 'List data or secrets',
  help: `Usage: coffer list [options] PATH

  Lists the keys under PATH. Keys ending in "/" are folders.

      $ coffer list secret/metadata/
      $ coffer list auth/token/accessors`,
  flags: [
    { name: 'after', kind: 'string', usage: 'List keys after this one (pagination), where the endpoint supports it.' },
    { name: 'limit', kind: 'int', default: 0, usage: 'At most this many keys (pagination), where the endpoint supports it.' },
  ],
  output: { format: true, detailed: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const path = sanitizePath(ctx.args[0]!);
    const paged = ctx.flags['after'] || ctx.flags['limit'] > 0;
    const res = await attempt(ctx, `Error listing ${path}`, async () => {
      if (!paged) return client.list(path);
      return client.call('LIST', path, { query: { after: ctx.flags['after'], limit: String(ctx.flags['limit']) } });
    });
    if (!res.ok) return res.code;
    const secret = res.value;
    if (secret?.wrap_info && secret.wrap_info.ttl) return outputSecret(ctx.ui, secret);
    const hasKeys = Array.isArray(secret?.data?.keys);
    if (ctx.ui.format !== 'table' && (!secret || !secret.data || !hasKeys)) {
      outputData(ctx.ui, {});
      return 2;
    }
    if (!secret) return ctx.fail(`No value found at ${path}`);
    if (!secret.data) return outputSecret(ctx.ui, secret);
    if (!hasKeys) return ctx.fail(`No entries found at ${path}`);
    return outputList(ctx.ui, secret);
  },
};
