/** `lease lookup|renew|revoke`: leases of dynamic secrets and tokens (sys/leases). */
import { type Command, attempt, checkArgs } from '../command.js';
import { outputSecret, wrapAtLength } from '../output.js';

function leaseArg(ctx: Parameters<Command['run']>[0]): string | number {
  if (ctx.args.length === 0) return ctx.fail('Missing ID!', 1);
  if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1, got ${ctx.args.length})`, 1);
  return ctx.args[0]!.trim();
}

export const leaseLookup: Command = {
  name: 'lease lookup',
  synopsis: 'Lookup the lease of a secret',
  help: `Usage: coffer lease lookup [options] ID

  Shows a lease: when it was issued, when it expires, whether it can be
  renewed.

      $ coffer lease lookup database/creds/readonly/2f6a614c...`,
  output: { format: true },
  async run(ctx) {
    const id = leaseArg(ctx);
    if (typeof id === 'number') return id;
    const res = await attempt(ctx, `error looking up lease id ${id}`, () => ctx.client().write('sys/leases/lookup', { lease_id: id }));
    if (!res.ok) return res.code;
    if (!res.value) return 0;
    return outputSecret(ctx.ui, res.value);
  },
};

export const leaseRenew: Command = {
  name: 'lease renew',
  synopsis: 'Renews the lease of a secret',
  help: `Usage: coffer lease renew [options] ID

  Extends a lease by -increment (the server may grant less, capped by the
  mount's and the secret's maximum TTL).

      $ coffer lease renew -increment=1h database/creds/readonly/2f6a614c...`,
  flags: [{ name: 'increment', aliases: ['i'], kind: 'duration', usage: 'Requested extension, e.g. "15m"; the backend\'s default when not set.' }],
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length === 0) return ctx.fail('Missing ID!', 1);
    if (ctx.args.length > 1) return ctx.fail(`Too many arguments (expected 1-2, got ${ctx.args.length})`, 1);
    const id = ctx.args[0]!.trim();
    const increment = Math.max(0, Math.trunc(ctx.flags['increment'] ?? 0));
    const res = await attempt(ctx, `Error renewing ${id}`, () => ctx.client().write('sys/leases/renew', { lease_id: id, increment }));
    if (!res.ok) return res.code;
    if (!res.value) return 0;
    return outputSecret(ctx.ui, res.value);
  },
};

export const leaseRevoke: Command = {
  name: 'lease revoke',
  synopsis: 'Revokes leases and secrets',
  help: `Usage: coffer lease revoke [options] ID

  Revokes a lease now (the backend deletes the credential). With -prefix, ID
  is a prefix and every lease under it is revoked; -force (with -prefix)
  removes the leases even when the backend fails to revoke them.

      $ coffer lease revoke database/creds/readonly/2f6a614c...
      $ coffer lease revoke -prefix database/creds/
      $ coffer lease revoke -force -prefix kubernetes/creds/`,
  flags: [
    { name: 'force', aliases: ['f'], kind: 'bool', usage: 'Delete the leases even if the backend cannot revoke them (needs -prefix). Dangerous: the credentials may stay valid.' },
    { name: 'prefix', kind: 'bool', usage: 'Treat ID as a prefix.' },
    { name: 'sync', kind: 'bool', usage: 'Wait for the revocation to finish before returning.' },
  ],
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const f = ctx.flags;
    if (f['force'] && !f['prefix']) return ctx.fail('Specifying -force requires also specifying -prefix', 1);
    const id = ctx.args[0]!.trim();
    if (f['force']) ctx.ui.warn(wrapAtLength('Warning! Force-removing leases can cause the server to become out of sync with secrets engines!'));
    const client = ctx.client();
    const prefix = f['force'] ? `Error force revoking leases with prefix ${id}` : f['prefix'] ? `Error revoking leases with prefix ${id}` : `Error revoking lease ${id}`;
    const res = await attempt(ctx, prefix, () => {
      if (f['force']) return client.write(`sys/leases/revoke-force/${id}`);
      if (f['prefix']) return client.write(`sys/leases/revoke-prefix/${id}`, { sync: f['sync'] });
      return client.write('sys/leases/revoke', { lease_id: id, sync: f['sync'] });
    });
    if (!res.ok) return res.code;
    if (f['force']) ctx.ui.output(`Success! Force revoked any leases with prefix: ${id}`);
    else if (f['sync']) ctx.ui.output(f['prefix'] ? `Success! Revoked any leases with prefix: ${id}` : `Success! Revoked lease: ${id}`);
    else ctx.ui.output('All revocation operations queued successfully!');
    return 0;
  },
};
