/** `token create|lookup|renew|revoke|capabilities`: the token store from the command line. */
import { toApiError } from '../../api/client.js';
import { formatDuration } from '../../lib/duration.js';
import { type Command, attempt, checkArgs } from '../command.js';
import { outputData, outputSecret, printField } from '../output.js';

export const tokenCreate: Command = {
  name: 'token create',
  synopsis: 'Create a new token',
  help: `Usage: coffer token create [options]

  Creates a token. Without -orphan it is a child of the calling token and is
  revoked with it. A periodic token (-period) can be renewed forever, each
  renewal resetting its TTL to the period. With -role the token role's settings
  apply (auth/token/roles/NAME).

      $ coffer token create -policy=my-policy -ttl=1h
      $ coffer token create -policy=etcd-member -role=k8s-cluster
      $ coffer token create -orphan -period=720h -policy=node`,
  flags: [
    { name: 'id', kind: 'string', usage: 'The token value to use instead of a random one (root only).' },
    { name: 'display-name', kind: 'string', usage: 'A name for the token, shown in audit logs and lookups.' },
    { name: 'ttl', kind: 'duration', usage: 'Initial time to live, e.g. "30m" or "720h".' },
    { name: 'explicit-max-ttl', kind: 'duration', usage: 'A hard limit past which the token cannot be renewed.' },
    { name: 'period', kind: 'duration', usage: 'Make a periodic token: each renewal resets its TTL to this period, with no maximum.' },
    { name: 'renewable', kind: 'bool', default: true, usage: 'Whether the token can be renewed (-renewable=false to disallow).' },
    { name: 'orphan', kind: 'bool', usage: 'Create the token with no parent, so revoking the caller does not revoke it.' },
    { name: 'no-default-policy', kind: 'bool', usage: 'Do not attach the "default" policy.' },
    { name: 'use-limit', kind: 'int', default: 0, usage: 'How many times the token may be used; 0 means unlimited.' },
    { name: 'role', kind: 'string', usage: 'Create the token against this token role.' },
    { name: 'type', kind: 'string', usage: 'The token type: "service" or "batch".' },
    { name: 'metadata', kind: 'map', usage: 'Metadata as key=value; repeatable.' },
    { name: 'policy', kind: 'strings', usage: 'A policy to attach; repeatable.' },
    { name: 'entity-alias', kind: 'string', usage: 'An entity alias to attach the token to (needs -role with allowed_entity_aliases).' },
  ],
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const f = ctx.flags;
    const body: Record<string, unknown> = {};
    if (f['id']) body.id = f['id'];
    if ((f['policy'] as string[]).length) body.policies = f['policy'];
    if (Object.keys(f['metadata']).length) body.meta = f['metadata'];
    if (f['ttl']) body.ttl = formatDuration(f['ttl']);
    if (f['explicit-max-ttl']) body.explicit_max_ttl = formatDuration(f['explicit-max-ttl']);
    if (f['period']) body.period = formatDuration(f['period']);
    if (f['orphan']) body.no_parent = true;
    if (f['no-default-policy']) body.no_default_policy = true;
    if (f['display-name']) body.display_name = f['display-name'];
    if (f['use-limit']) body.num_uses = f['use-limit'];
    body.renewable = f['type'] === 'batch' ? false : f['renewable'];
    if (f['type']) body.type = f['type'];
    if (f['entity-alias']) body.entity_alias = f['entity-alias'];
    const path = f['role'] ? `auth/token/create/${f['role']}` : 'auth/token/create';
    const client = ctx.client();
    const res = await attempt(ctx, 'Error creating token', () => client.write(path, body));
    if (!res.ok) return res.code;
    const secret = res.value;
    if (!secret) return ctx.fail('Error creating token: empty response');
    if (f['field']) return printField(ctx.ui, { secret }, f['field']);
    return outputSecret(ctx.ui, secret);
  },
};

export const tokenLookup: Command = {
  name: 'token lookup',
  synopsis: 'Display information about a token',
  help: `Usage: coffer token lookup [options] [TOKEN | ACCESSOR]

  Shows a token's properties: policies, TTL, metadata, parent. Without an
  argument, the calling token. With -accessor, the argument is an accessor.

      $ coffer token lookup
      $ coffer token lookup hvs.CAES...
      $ coffer token lookup -accessor 8609694a-...`,
  flags: [{ name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor instead of a token.' }],
  output: { field: true, format: true },
  async run(ctx) {
    const n = ctx.args.length;
    if (ctx.flags['accessor'] && n < 1) return ctx.fail(`Not enough arguments with -accessor (expected 1, got ${n})`, 1);
    if (ctx.flags['accessor'] && n > 1) return ctx.fail(`Too many arguments with -accessor (expected 1, got ${n})`, 1);
    if (n > 1) return ctx.fail(`Too many arguments (expected 0-1, got ${n})`, 1);
    const token = (ctx.args[0] ?? '').trim();
    const client = ctx.client();
    const res = await attempt(ctx, 'Error looking up token', () => {
      if (!token) return client.read('auth/token/lookup-self');
      if (ctx.flags['accessor']) return client.write('auth/token/lookup-accessor', { accessor: token });
      return client.write('auth/token/lookup', { token });
    });
    if (!res.ok) return res.code;
    if (!res.value) return ctx.fail('Error looking up token: empty response');
    if (ctx.flags['field']) return printField(ctx.ui, { secret: res.value }, ctx.flags['field']);
    return outputSecret(ctx.ui, res.value);
  },
};

export const tokenRenew: Command = {
  name: 'token renew',
  synopsis: 'Renew a token lease',
  help: `Usage: coffer token renew [options] [TOKEN]

  Extends a token's TTL (by -increment, within its limits). Without an
  argument, renews the calling token.

      $ coffer token renew
      $ coffer token renew -increment=30m hvs.CAES...`,
  flags: [
    { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor instead of a token.' },
    { name: 'increment', aliases: ['i'], kind: 'duration', usage: 'Requested extension (e.g. "30m"); the server may grant less.' },
  ],
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
    const token = (ctx.args[0] ?? '').trim();
    const increment = Math.max(0, Math.trunc(ctx.flags['increment'] ?? 0));
    const client = ctx.client();
    const res = await attempt(ctx, 'Error renewing token', () => {
      if (!token) return client.write('auth/token/renew-self', { increment });
      if (ctx.flags['accessor']) return client.write('auth/token/renew-accessor', { accessor: token, increment });
      return client.write('auth/token/renew', { token, increment });
    });
    if (!res.ok) return res.code;
    if (!res.value) return 0;
    return outputSecret(ctx.ui, res.value);
  },
};

export const tokenRevoke: Command = {
  name: 'token revoke',
  synopsis: 'Revoke a token and its children',
  help: `Usage: coffer token revoke [options] [TOKEN | ACCESSOR]

  Revokes a token, its child tokens and their leases. -mode=orphan revokes
  only the token (children become orphans); -mode=path revokes every token
  created under an auth path prefix; -self revokes the calling token.

      $ coffer token revoke hvs.CAES...
      $ coffer token revoke -accessor 8609694a-...
      $ coffer token revoke -self`,
  flags: [
    { name: 'accessor', kind: 'bool', usage: 'Treat the argument as an accessor instead of a token.' },
    { name: 'self', kind: 'bool', usage: 'Revoke the calling token.' },
    { name: 'mode', kind: 'string', usage: '"orphan" (keep children) or "path" (revoke by auth path prefix); default revokes the whole tree.' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const n = ctx.args.length;
    const token = (ctx.args[0] ?? '').trim();
    if (!['', 'orphan', 'path'].includes(f['mode'])) return ctx.fail(`Invalid mode: ${f['mode']}`, 1);
    if (f['self'] && n > 0) return ctx.fail(`Too many arguments with -self (expected 0, got ${n})`, 1);
    if (!f['self'] && n > 1) return ctx.fail(`Too many arguments (expected 1 or -self, got ${n})`, 1);
    if (!f['self'] && n < 1) return ctx.fail(`Not enough arguments (expected 1 or -self, got ${n})`, 1);
    if (f['self'] && f['accessor']) return ctx.fail('Cannot use -self with -accessor!', 1);
    if (f['self'] && f['mode']) return ctx.fail('Cannot use -self with -mode!', 1);
    if (f['accessor'] && f['mode'] === 'orphan') return ctx.fail('Cannot use -accessor with -mode=orphan!', 1);
    if (f['accessor'] && f['mode'] === 'path') return ctx.fail('Cannot use -accessor with -mode=path!', 1);
    const client = ctx.client();
    const res = await attempt(ctx, 'Error revoking token', () => {
      if (f['self']) return client.write('auth/token/revoke-self', {});
      if (f['accessor']) return client.write('auth/token/revoke-accessor', { accessor: token });
      if (f['mode'] === 'orphan') return client.write('auth/token/revoke-orphan', { token });
      if (f['mode'] === 'path') return client.write(`sys/leases/revoke-prefix/${token}`, {});
      return client.write('auth/token/revoke', { token });
    });
    if (!res.ok) return res.code;
    ctx.ui.output('Success! Revoked token (if it existed)');
    return 0;
  },
};

export const tokenCapabilities: Command = {
  name: 'token capabilities',
  synopsis: 'Print capabilities of a token on a path',
  help: `Usage: coffer token capabilities [options] [TOKEN] PATH

  Shows what a token may do on PATH (create, read, update, patch, delete,
  list, sudo, deny, root). Without TOKEN, the calling token.

      $ coffer token capabilities secret/data/foo
      $ coffer token capabilities hvs.CAES... pki/issue/web`,
  output: { format: true },
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 2);
    if (bad !== undefined) return bad;
    const [token, path] = ctx.args.length === 2 ? [ctx.args[0]!, ctx.args[1]!] : ['', ctx.args[0]!];
    const client = ctx.client();
    const res = await attempt(ctx, 'Error listing capabilities', async () => {
      const r = token
        ? await client.request('PUT', 'sys/capabilities', { body: { token, paths: [path] } })
        : await client.request('PUT', 'sys/capabilities-self', { body: { paths: [path] } });
      if (r.status >= 400) throw toApiError(r);
      return r.body as Record<string, any> | null;
    });
    if (!res.ok) return res.code;
    const body = res.value ?? {};
    const fromData = body.data && typeof body.data === 'object' ? body.data : body;
    const caps = (fromData[path] ?? fromData.capabilities ?? body[path] ?? body.capabilities) as string[] | undefined;
    if (!Array.isArray(caps)) return ctx.fail('No capabilities found', 1);
    if (ctx.ui.format === 'table') {
      ctx.ui.output([...caps].sort().join(', '));
      return 0;
    }
    return outputData(ctx.ui, caps);
  },
};
