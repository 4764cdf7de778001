/** `kv metadata get|put|patch|delete`: a KV v2 key's settings and version history. */
import type { VaultClient } from '../../api/client.js';
import { formatDuration } from '../../lib/duration.js';
import { type Command, type Context, attempt } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { outputData, outputSecret, printField } from '../output.js';
import { MOUNT_FLAG } from './kv.js';
import { headerForMap, kvAPIPath, outputPathHeader, resolveKV } from './kv-paths.js';

async function metadataPath(ctx: Context, client: VaultClient): Promise<string | number> {
  if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
  if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
  const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!));
  if (!r.ok) return r.code;
  if (!r.value.v2) return ctx.fail('Metadata not supported on KV Version 1', 1);
  return kvAPIPath(r.value, 'metadata');
}

export const kvMetadataGet: Command = {
  name: 'kv metadata get',
  synopsis: 'Retrieves key metadata from the KV store',
  help: `Usage: coffer kv metadata get [options] KEY

  Shows KEY's metadata (max versions, check-and-set, custom metadata) and each
  version's creation and deletion times (KV v2 only).

      $ coffer kv metadata get secret/creds`,
  flags: [MOUNT_FLAG],
  output: { field: true, format: true },
  async run(ctx) {
    const client = ctx.client();
    const path = await metadataPath(ctx, client);
    if (typeof path === 'number') return path;
    const res = await attempt(ctx, `Error reading ${path}`, () => client.read(path));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) return ctx.fail(`No value found at ${path}`);
    if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
    if (secret.wrap_info || ctx.ui.format !== 'table') return outputSecret(ctx.ui, secret);
    const versions = secret.data?.versions as Record<string, Record<string, unknown>> | undefined;
    if (!versions || typeof versions !== 'object') {
      ctx.ui.error(`No value found at ${path}`);
      outputSecret(ctx.ui, secret);
      return 2;
    }
    const rest = { ...secret.data };
    delete rest.versions;
    outputPathHeader(ctx, path, 'Metadata Path');
    ctx.ui.info(headerForMap('Metadata', rest));
    outputSecret(ctx.ui, { ...secret, data: rest });
    for (const v of Object.keys(versions).map(Number).filter(Number.isInteger).sort((a, b) => a - b)) {
      const entry = versions[String(v)] ?? {};
      ctx.ui.info(`\n${headerForMap(`Version ${v}`, entry)}`);
      outputData(ctx.ui, entry);
    }
    return 0;
  },
};

const settingFlags: FlagSpec[] = [
  { name: 'max-versions', kind: 'int', default: -1, usage: 'How many versions to keep; 0 uses the engine\'s setting. Not sent when negative.' },
  { name: 'cas-required', kind: 'optionalBool', usage: 'Require check-and-set (-cas) on every write to this key.' },
  { name: 'delete-version-after', kind: 'duration', default: -1, usage: 'Soft-delete each version this long after it is written (e.g. "720h"); 0 turns it off. Not sent when negative.' },
  { name: 'custom-metadata', kind: 'map', usage: 'A key=value pair of custom metadata; repeatable.' },
  MOUNT_FLAG,
];

function settingsBody(ctx: Context): Record<string, unknown> {
  const f = ctx.flags;
  const body: Record<string, unknown> = {};
  if (f['max-versions'] >= 0) body.max_versions = f['max-versions'];
  if (f['delete-version-after'] >= 0) body.delete_version_after = formatDuration(f['delete-version-after']);
  if (f['cas-required'] !== undefined) body.cas_required = f['cas-required'];
  if (Object.keys(f['custom-metadata']).length > 0) body.custom_metadata = f['custom-metadata'];
  return body;
}

function settingsCommand(name: 'put' | 'patch', synopsis: string, help: string): Command {
  return {
    name: `kv metadata ${name}`,
    synopsis,
    help,
    flags: settingFlags,
    output: { format: true },
    async run(ctx) {
      const client = ctx.client();
      const path = await metadataPath(ctx, client);
      if (typeof path === 'number') return path;
      const body = settingsBody(ctx);
      const res = await attempt(ctx, `Error writing data to ${path}`, () => (name === 'put' ? client.write(path, body) : client.patch(path, body)));
      if (!res.ok) return res.code;
      if (!res.value) {
        if (ctx.ui.format === 'table') ctx.ui.info(`Success! Data written to: ${path}`);
        return 0;
      }
      return outputSecret(ctx.ui, res.value);
    },
  };
}

export const kvMetadataPut = settingsCommand('put', 'Sets or updates key settings in the KV store', `Usage: coffer kv metadata put [options] KEY

  Creates or replaces KEY's settings (KV v2 only); unset flags take defaults.

      $ coffer kv metadata put -max-versions=5 -cas-required secret/creds
      $ coffer kv metadata put -custom-metadata=owner=team-a secret/creds`);

export const kvMetadataPatch = settingsCommand('patch', 'Patches key settings in the KV store', `Usage: coffer kv metadata patch [options] KEY

  Changes only the given settings of KEY (KV v2 only).

      $ coffer kv metadata patch -max-versions=10 secret/creds`);

export const kvMetadataDelete: Command = {
  name: 'kv metadata delete',
  synopsis: 'Deletes all versions and metadata for a key in the KV store',
  help: `Usage: coffer kv metadata delete [options] PATH

  Removes KEY with all its versions and its metadata (KV v2 only). This cannot
  be undone.

      $ coffer kv metadata delete secret/creds`,
  flags: [MOUNT_FLAG],
  async run(ctx) {
    const client = ctx.client();
    const path = await metadataPath(ctx, client);
    if (typeof path === 'number') return path;
    const res = await attempt(ctx, `Error deleting ${path}`, () => client.delete(path));
    if (!res.ok) return res.code;
    ctx.ui.info(`Success! Data deleted (if it existed) at: ${path}`);
    return 0;
  },
};
