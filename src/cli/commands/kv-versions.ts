/** `kv delete`, `kv undelete`, `kv destroy`, `kv list`: version lifecycle and listing. */
import { type Command, type Context, attempt } from '../command.js';
import { outputData, outputList, outputSecret, printField } from '../output.js';
import { MOUNT_FLAG } from './kv.js';
import { kvAPIPath, parseVersions, resolveKV } from './kv-paths.js';

const VERSIONS_FLAG = { name: 'versions', kind: 'strings' as const, usage: 'Versions to act on, comma-separated or repeated (e.g. -versions=1,2).' };

function oneArg(ctx: Context): number | undefined {
  if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
  if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
  return undefined;
}

export const kvDelete: Command = {
  name: 'kv delete',
  synopsis: 'Deletes versions in the KV store',
  help: `Usage: coffer kv delete [options] PATH

  Deletes the data at PATH. For KV v2 this is a soft delete of the latest
  version (or of -versions), which "kv undelete" reverses; for KV v1 the data is
  removed.

      $ coffer kv delete secret/creds
      $ coffer kv delete -versions=2,3 secret/creds`,
  flags: [VERSIONS_FLAG, MOUNT_FLAG],
  output: { field: true, format: true },
  async run(ctx) {
    const bad = oneArg(ctx);
    if (bad !== undefined) return bad;
    const client = ctx.client();
    const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!));
    if (!r.ok) return r.code;
    const kv = r.value;
    const versions = parseVersions(ctx.flags['versions']);
    const fullPath = kvAPIPath(kv, 'data');
    const res = await attempt(ctx, `Error deleting ${fullPath}`, () => {
      if (kv.v2 && versions.length > 0) return client.write(kvAPIPath(kv, 'delete'), { versions });
      return client.delete(fullPath);
    });
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) {
      if (ctx.ui.format === 'table') ctx.ui.info(`Success! Data deleted (if it existed) at: ${fullPath}`);
      return 0;
    }
    if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
    return outputSecret(ctx.ui, secret);
  },
};

function versionCommand(verb: 'undelete' | 'destroy', synopsis: string, help: string): Command {
  const title = verb === 'undelete' ? 'Undelete' : 'Destroy';
  return {
    name: `kv ${verb}`,
    synopsis,
    help,
    flags: [VERSIONS_FLAG, MOUNT_FLAG],
    output: { format: true },
    async run(ctx) {
      const bad = oneArg(ctx);
      if (bad !== undefined) return bad;
      const versions = parseVersions(ctx.flags['versions']);
      if (versions.length === 0) return ctx.fail(`No versions provided, use the "-versions" flag to specify the version to ${verb}.`, 1);
      const client = ctx.client();
      const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!));
      if (!r.ok) return r.code;
      if (!r.value.v2) return ctx.fail(`${title} not supported on KV Version 1`, 1);
      const path = kvAPIPath(r.value, verb);
      const res = await attempt(ctx, `Error writing data to ${path}`, () => client.write(path, { versions }));
      if (!res.ok) return res.code;
      if (!res.value) {
        if (ctx.ui.format === 'table') ctx.ui.info(`Success! Data written to: ${path}`);
        return 0;
      }
      return outputSecret(ctx.ui, res.value);
    },
  };
}

export const kvUndelete = versionCommand('undelete', 'Undeletes versions in the KV store', `Usage: coffer kv undelete [options] KEY

  Restores soft-deleted versions of KEY (KV v2 only).

      $ coffer kv undelete -versions=3 secret/creds`);

export const kvDestroy = versionCommand('destroy', 'Permanently removes one or more versions in the KV store', `Usage: coffer kv destroy [options] KEY

  Permanently removes the data of the given versions of KEY (KV v2 only). The
  versions' metadata stays, marked destroyed; the data cannot be recovered.

      $ coffer kv destroy -versions=1,2 secret/creds`);

export const kvList: Command = {
  name: 'kv list',
  synopsis: 'List data or secrets',
  help: `Usage: coffer kv list [options] PATH

  Lists the keys under PATH in a KV secrets engine. Keys ending in "/" are
  folders.

      $ coffer kv list secret/
      $ coffer kv list -mount=secret apps/`,
  flags: [MOUNT_FLAG],
  output: { format: true, detailed: true },
  async run(ctx) {
    if (ctx.args.length < 1) {
      if (!ctx.flags['mount']) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
      ctx.args.push('');
    }
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!));
    if (!r.ok) return r.code;
    const fullPath = kvAPIPath(r.value, 'metadata');
    const res = await attempt(ctx, `Error listing ${fullPath}`, () => client.list(fullPath));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (secret?.wrap_info && secret.wrap_info.ttl) return outputSecret(ctx.ui, secret);
    const hasKeys = Array.isArray(secret?.data?.keys);
    if (ctx.ui.format !== 'table' && (!secret || !secret.data || !hasKeys)) {
      outputData(ctx.ui, {});
      return 2;
    }
    if (!secret || !secret.data) return ctx.fail(`No value found at ${fullPath}`);
    if (!hasKeys) return ctx.fail(`No entries found at ${fullPath}`);
    return outputList(ctx.ui, secret);
  },
};
