/** `secrets enable|disable|list|tune|move`: the secrets engine mount table. */
import { type Command, attempt, checkArgs, ensureTrailingSlash } from '../command.js';
import { enableBody, enableFlags, moveMount, mountMap, outputMounts, requestJSON, runMountPathRequest, tuneBody, tuneFlags } from './mounts.js';

export const secretsEnable: Command = {
  name: 'secrets enable',
  synopsis: 'Enable a secrets engine',
  help: `Usage: coffer secrets enable [options] TYPE

  Enables a secrets engine of TYPE (kv, pki, transit, database, kubernetes,
  …) at -path, by default at a path named after the type.

      $ coffer secrets enable -path=secret -version=2 kv
      $ coffer secrets enable -path=cluster-a/pki/etcd -max-lease-ttl=87600h pki`,
  flags: enableFlags,
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    let type = ctx.args[0]!.trim();
    if (type === 'plugin') type = ctx.flags['plugin-name'];
    const path = ensureTrailingSlash(ctx.flags['path'] || type);
    const client = ctx.client();
    const res = await attempt(ctx, 'Error enabling', () => requestJSON(client, 'POST', `sys/mounts/${path.replace(/\/$/, '')}`, enableBody(ctx, type)));
    if (!res.ok) return res.code;
    ctx.ui.output(`Success! Enabled the ${type} secrets engine at: ${path}`);
    return 0;
  },
};

export const secretsDisable: Command = {
  name: 'secrets disable',
  synopsis: 'Disable a secret engine',
  help: `Usage: coffer secrets disable [options] PATH

  Disables the secrets engine at PATH. Its leases are revoked and ALL its
  data is deleted.

      $ coffer secrets disable transit/`,
  run: (ctx) => runMountPathRequest(ctx, {
    table: 'sys/mounts', method: 'DELETE',
    error: (path) => `Error disabling secrets engine at ${path}`,
    success: (path) => `Success! Disabled the secrets engine (if it existed) at: ${path}`,
  }),
};

export const secretsList: Command = {
  name: 'secrets list',
  synopsis: 'List enabled secrets engines',
  help: `Usage: coffer secrets list [options]

  Lists the enabled secrets engines. -detailed adds TTLs, options and more.

      $ coffer secrets list
      $ coffer secrets list -detailed`,
  output: { format: true, detailed: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const res = await attempt(ctx, 'Error listing secrets engines', () => requestJSON(ctx.client(), 'GET', 'sys/mounts'));
    if (!res.ok) return res.code;
    return outputMounts(ctx, mountMap(res.value), 'secrets');
  },
};

export const secretsTune: Command = {
  name: 'secrets tune',
  synopsis: 'Tune a secrets engine configuration',
  help: `Usage: coffer secrets tune [options] PATH

  Changes the configuration of the secrets engine at PATH.

      $ coffer secrets tune -max-lease-ttl=8760h pki
      $ coffer secrets tune -default-lease-ttl=72h pki/`,
  flags: tuneFlags,
  run: (ctx) => runMountPathRequest(ctx, {
    table: 'sys/mounts', method: 'POST', suffix: '/tune', body: () => tuneBody(ctx),
    error: (path) => `Error tuning secrets engine ${path}`,
    success: (path) => `Success! Tuned the secrets engine at: ${path}`,
  }),
};

export const secretsMove: Command = {
  name: 'secrets move',
  synopsis: 'Move a secrets engine to a new path',
  help: `Usage: coffer secrets move [options] SOURCE DESTINATION

  Moves the secrets engine at SOURCE to DESTINATION, with its data. Leases
  issued under the old path are revoked.

      $ coffer secrets move secret/ generic/`,
  async run(ctx) {
    const bad = checkArgs(ctx, 2, 2);
    if (bad !== undefined) return bad;
    return moveMount(ctx, ctx.args[0]!, ctx.args[1]!, 'secrets engine');
  },
};
