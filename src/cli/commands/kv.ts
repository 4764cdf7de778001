/** `kv get`, `kv put`, `kv patch`: the key/value commands that read and write data. */
import { type Secret, secretOrThrow } from '../../api/client.js';
import { type Command, type Context, attempt, errorText } from '../command.js';
import type { FlagSpec } from '../flags.js';
import { parseArgsData } from '../kv-args.js';
import { outputData, outputSecret, printField, printWarnings } from '../output.js';
import { headerForMap, isApiStatus, kvAPIPath, outputPathHeader, resolveKV } from './kv-paths.js';

export const MOUNT_FLAG: FlagSpec = {
  name: 'mount', kind: 'string',
  usage: 'The KV engine\'s mount path. With it, the argument is the secret\'s path inside the mount (e.g. -mount=secret foo instead of secret/foo).',
};

/** After a write: vault shows the path and the new version's metadata in table format. */
function outputWritten(ctx: Context, fullPath: string, secret: Secret | null, v2: boolean): number {
  if (!secret) {
    if (ctx.ui.format === 'table') ctx.ui.info(`Success! Data written to: ${fullPath}`);
    return 0;
  }
  if (ctx.flags['field']) return printField(ctx.ui, { secret }, ctx.flags['field']);
  if ((secret.wrap_info && secret.wrap_info.ttl) || ctx.ui.format !== 'table' || !v2) return outputSecret(ctx.ui, secret);
  printWarnings(ctx.ui, secret);
  outputPathHeader(ctx, fullPath, 'Secret Path');
  ctx.ui.info(headerForMap('Metadata', secret.data));
  return outputData(ctx.ui, secret.data ?? {});
}

export const kvGet: Command = {
  name: 'kv get',
  synopsis: 'Retrieves data from the KV store',
  help: `Usage: coffer kv get [options] KEY

  Reads the data stored at KEY in a KV secrets engine (version 1 or 2, detected
  from the mount). For version 2, -version picks an older version.

      $ coffer kv get secret/creds
      $ coffer kv get -mount=secret -version=2 creds
      $ coffer kv get -field=password secret/creds`,
  flags: [
    { name: 'version', kind: 'int', default: 0, usage: 'The version to read (KV v2). The latest when 0.' },
    MOUNT_FLAG,
  ],
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected 1, got ${ctx.args.length})`, 1);
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!.replace(/^\//, '')));
    if (!r.ok) return r.code;
    const kv = r.value;
    const fullPath = kvAPIPath(kv, 'data');
    const query = kv.v2 && ctx.flags['version'] > 0 ? { version: String(ctx.flags['version']) } : undefined;
    const res = await attempt(ctx, `Error reading ${fullPath}`, () => client.read(fullPath, query));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) return ctx.fail(`No value found at ${fullPath}`);

    const field = ctx.flags['field'] as string;
    if (field) {
      if (!kv.v2) return printField(ctx.ui, { secret }, field);
      const data = secret.data?.data;
      if (!data || typeof data !== 'object') return ctx.fail(`No data found at ${fullPath}`);
      // "-field=data" means the data block itself unless the secret has a key named data.
      if (field === 'data' && !('data' in data)) return printField(ctx.ui, { secret }, field);
      return printField(ctx.ui, { map: data, kind: 'secret' }, field);
    }
    if (secret.wrap_info || ctx.ui.format !== 'table') return outputSecret(ctx.ui, secret);

    printWarnings(ctx.ui, secret);
    if (kv.v2) outputPathHeader(ctx, fullPath, 'Secret Path');
    const metadata = secret.data?.metadata;
    if (kv.v2 && metadata && typeof metadata === 'object') {
      ctx.ui.info(headerForMap('Metadata', metadata));
      outputData(ctx.ui, metadata);
      ctx.ui.info('');
    }
    const data = kv.v2 ? secret.data?.data : secret.data;
    if (data && typeof data === 'object') {
      ctx.ui.info(headerForMap('Data', data));
      outputData(ctx.ui, data);
    }
    return 0;
  },
};

export const kvPut: Command = {
  name: 'kv put',
  synopsis: 'Sets or updates data in the KV store',
  help: `Usage: coffer kv put [options] KEY [DATA]

  Writes data to KEY in a KV secrets engine. For version 2 this creates a new
  version; for version 1 it replaces the value. DATA is K=V pairs: a value of
  "@file" reads a file, "-" reads stdin; a lone "-" reads a JSON object from
  stdin.

      $ coffer kv put secret/creds username=app password=s3cret
      $ coffer kv put -cas=1 secret/creds password=@password.txt
      $ echo '{"password":"s3cret"}' | coffer kv put secret/creds -`,
  flags: [
    { name: 'cas', kind: 'int', default: -1, usage: 'Check-and-set (KV v2): write only if the current version is this one; 0 writes only if the key does not exist. Not sent when negative.' },
    MOUNT_FLAG,
  ],
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected >1, got ${ctx.args.length})`, 1);
    if (ctx.args.length === 1) return ctx.fail('Must supply data', 1);
    const client = ctx.client();
    let data: Record<string, unknown>;
    try {
      data = await parseArgsData(ctx.args.slice(1), ctx.stdin);
    } catch (e) {
      return ctx.fail(`Failed to parse K=V data: ${errorText(e)}`, 1);
    }
    const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!));
    if (!r.ok) return r.code;
    const kv = r.value;
    const fullPath = kvAPIPath(kv, 'data');
    let body: Record<string, unknown> = data;
    if (kv.v2) {
      const options: Record<string, unknown> = {};
      if (ctx.flags['cas'] > -1) options.cas = ctx.flags['cas'];
      body = { data, options };
    }
    const res = await attempt(ctx, `Error writing data to ${fullPath}`, () => client.write(fullPath, body));
    if (!res.ok) return res.code;
    return outputWritten(ctx, fullPath, res.value, kv.v2);
  },
};

export const kvPatch: Command = {
  name: 'kv patch',
  synopsis: 'Sets or updates data in the KV store without overwriting',
  help: `Usage: coffer kv patch [options] KEY [DATA]

  Changes some keys of the latest version at KEY (KV v2 only), keeping the
  others. By default it sends an HTTP PATCH (JSON merge patch) and falls back to
  read-then-write when the server or policy does not allow PATCH.

      $ coffer kv patch secret/creds password=n3w
      $ coffer kv patch -method=rw secret/creds password=n3w
      $ coffer kv patch -remove-data=old_key secret/creds`,
  flags: [
    { name: 'cas', kind: 'int', default: 0, usage: 'Check-and-set: patch only if the current version is this one (sent when above 0).' },
    { name: 'method', kind: 'string', usage: 'How to patch: "patch" (HTTP PATCH only) or "rw" (read, then write with check-and-set). Default: PATCH with fallback to rw.' },
    MOUNT_FLAG,
    { name: 'remove-data', kind: 'strings', usage: 'A key to remove from the data; repeatable.' },
  ],
  output: { field: true, format: true },
  async run(ctx) {
    const removals = ctx.flags['remove-data'] as string[];
    if (ctx.args.length < 1) return ctx.fail(`Not enough arguments (expected >1, got ${ctx.args.length})`, 1);
    if (removals.length === 0 && ctx.args.length === 1) return ctx.fail('Must supply data', 1);
    const client = ctx.client();
    let newData: Record<string, unknown>;
    try {
      newData = await parseArgsData(ctx.args.slice(1), ctx.stdin);
    } catch (e) {
      return ctx.fail(`Failed to parse K=V data: ${errorText(e)}`, 1);
    }
    const r = await attempt(ctx, '', () => resolveKV(ctx, client, ctx.args[0]!));
    if (!r.ok) return r.code;
    const kv = r.value;
    if (!kv.v2) return ctx.fail('K/V engine mount must be version 2 for patch support');
    const fullPath = kvAPIPath(kv, 'data');
    for (const k of removals) newData[k] = null;

    const readThenWrite = async (): Promise<{ secret: Secret | null } | number> => {
      let current: Secret | null;
      try {
        current = await client.read(fullPath);
      } catch (e) {
        return ctx.fail(`Error doing pre-read at ${fullPath}: ${errorText(e)}`);
      }
      if (!current || !current.data) return ctx.fail(`No value found at ${fullPath}`);
      const meta = current.data.metadata;
      if (!meta || typeof meta !== 'object') return ctx.fail(`No metadata found at ${fullPath}; patch only works on existing data`);
      const data = current.data.data;
      if (!data || typeof data !== 'object') return ctx.fail(`No data found at ${fullPath}; patch only works on existing data`);
      try {
        // null removes a key, as in the merge patch this method stands in for (vault would
        // store the null).
        const merged: Record<string, unknown> = { ...data, ...newData };
        for (const [k, v] of Object.entries(newData)) if (v === null) delete merged[k];
        return { secret: await client.write(fullPath, { data: merged, options: { cas: meta.version } }) };
      } catch (e) {
        return ctx.fail(`Error writing data to ${fullPath}: ${errorText(e)}`);
      }
    };
    const mergePatch = async (fallback: boolean): Promise<{ secret: Secret | null } | number> => {
      const options: Record<string, unknown> = {};
      if (ctx.flags['cas'] > 0) options.cas = ctx.flags['cas'];
      try {
        const res = await client.request('PATCH', fullPath, { body: { data: newData, options }, contentType: 'application/merge-patch+json' });
        // KV answers a bare 404 when there is nothing to patch; vault's CLI then reports
        // success, which hides the mistake, so we say what happened.
        if (res.status === 404 && (res.body === null || res.body === '')) return ctx.fail(`No value found at ${fullPath}`);
        return { secret: secretOrThrow(res) };
      } catch (e) {
        if (fallback && isApiStatus(e, 405)) return readThenWrite();
        if (fallback && isApiStatus(e, 403)) {
          ctx.ui.warn(`Data was written to ${fullPath} but we recommend that you add the "patch" capability to your ACL policy in order to use HTTP PATCH in the future.`);
          return readThenWrite();
        }
        return ctx.fail(`Error writing data to ${fullPath}: ${errorText(e)}`);
      }
    };

    let out: { secret: Secret | null } | number;
    switch (ctx.flags['method']) {
      case 'rw': out = await readThenWrite(); break;
      case 'patch': out = await mergePatch(false); break;
      case '': case undefined: out = await mergePatch(true); break;
      default: return ctx.fail(`Unsupported method provided to -method flag: ${ctx.flags['method']}`, 1);
    }
    if (typeof out === 'number') return out;
    return outputWritten(ctx, fullPath, out.secret, true);
  },
};
