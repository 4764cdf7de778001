/**
 * `status` and the operator lifecycle commands: `operator init|unseal|seal|key-status|rotate|
 * step-down`. `status` exits 2 when sealed, as vault's does (scripts poll on it).
 */
import type { VaultClient } from '../../api/client.js';
import { toApiError } from '../../api/client.js';
import { type Command, type Context, attempt, checkArgs } from '../command.js';
import { Struct, columnOutput, tableOutput } from '../format.js';
import { askSecret } from '../io.js';
import { outputData, printField, wrapAtLength } from '../output.js';

type Json = Record<string, any>;

async function getJSON(client: VaultClient, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await client.request(method, path, { body, wrapTTL: null });
  if (res.status >= 400) throw toApiError(res);
  return (res.body && typeof res.body === 'object' ? res.body : {}) as Json;
}

/** Seal status plus the leader fields, in the field order of vault's status JSON. */
async function statusStruct(client: VaultClient, seal: Json): Promise<Struct> {
  let leader: Json = { ha_enabled: false };
  try {
    leader = await getJSON(client, 'GET', 'sys/leader');
  } catch (e) {
    // A sealed HA node cannot answer sys/leader; vault shows it as HA enabled.
    if (/sealed/i.test(String((e as Error).message))) leader = { ha_enabled: true };
    else throw new Error(`Error checking leader status: ${(e as Error).message}`);
  }
  return Struct.of({
    type: seal.type ?? 'shamir',
    initialized: seal.initialized ?? false,
    sealed: seal.sealed ?? false,
    t: seal.t ?? 0,
    n: seal.n ?? 0,
    progress: seal.progress ?? 0,
    nonce: seal.nonce ?? '',
    version: seal.version ?? '',
    build_date: seal.build_date ?? '',
    migration: seal.migration ?? false,
    cluster_name: seal.cluster_name || undefined,
    cluster_id: seal.cluster_id || undefined,
    recovery_seal: seal.recovery_seal ?? false,
    storage_type: seal.storage_type || undefined,
    ha_enabled: leader.ha_enabled ?? false,
    is_self: leader.is_self || undefined,
    active_time: leader.active_time && !String(leader.active_time).startsWith('0001-') ? leader.active_time : undefined,
    leader_address: leader.leader_address || undefined,
    leader_cluster_address: leader.leader_cluster_address || undefined,
  });
}

function statusTable(s: Json): string {
  const rows = ['Key | Value', `Seal Type | ${s.type}`];
  const prefix = s.recovery_seal ? 'Recovery ' : '';
  rows.push(`Initialized | ${s.initialized}`, `Sealed | ${s.sealed}`, `Total ${prefix}Shares | ${s.n}`, `Threshold | ${s.t}`);
  if (s.sealed) rows.push(`Unseal Progress | ${s.progress}/${s.t}`, `Unseal Nonce | ${s.nonce}`);
  if (s.version) rows.push(`Version | ${s.version}`);
  if (s.build_date) rows.push(`Build Date | ${s.build_date}`);
  if (s.storage_type) rows.push(`Storage Type | ${s.storage_type}`);
  if (s.cluster_name && s.cluster_id) rows.push(`Cluster Name | ${s.cluster_name}`, `Cluster ID | ${s.cluster_id}`);
  rows.push(`HA Enabled | ${s.ha_enabled}`);
  if (s.ha_enabled && !s.sealed) {
    rows.push(`HA Cluster | ${s.leader_cluster_address ?? ''}`, `HA Mode | ${s.is_self ? 'active' : 'standby'}`);
    if (s.is_self && s.active_time) rows.push(`Active Since | ${s.active_time}`);
    if (!s.is_self && s.leader_address) rows.push(`Active Node Address | ${s.leader_address}`);
  }
  return tableOutput(rows);
}

/** Prints a seal status (status, unseal) in the chosen format; returns an exit code. */
async function outputSealStatus(ctx: Context, client: VaultClient, seal: Json): Promise<number> {
  let st: Struct;
  try {
    st = await statusStruct(client, seal);
  } catch (e) {
    return ctx.fail((e as Error).message, 1);
  }
  const plain = Object.fromEntries(st.fields);
  if (ctx.flags['field']) {
    const f = ctx.flags['field'] as string;
    const map = { ...plain, ha_mode: plain.is_self ? 'active' : 'standby' };
    return printField(ctx.ui, { map, kind: 'seal status' }, f);
  }
  if (ctx.ui.format === 'table') {
    ctx.ui.output(statusTable(plain));
    return 0;
  }
  return outputData(ctx.ui, st);
}

export const statusCommand: Command = {
  name: 'status',
  synopsis: 'Print seal and HA status',
  help: `Usage: coffer status [options]

  Shows whether the server is initialized and sealed, and its HA state.
  Exit codes: 0 unsealed, 2 sealed, 1 error.

      $ coffer status`,
  output: { field: true, format: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    client.namespace = undefined;
    let seal: Json;
    try {
      seal = await getJSON(client, 'GET', 'sys/seal-status');
    } catch (e) {
      // 2 means "sealed" here, so errors are 1.
      return ctx.fail(`Error checking seal status: ${(e as Error).message}`, 1);
    }
    const code = await outputSealStatus(ctx, client, seal);
    return seal.sealed ? 2 : code;
  },
};

export const operatorInit: Command = {
  name: 'operator init',
  synopsis: 'Initializes a server',
  help: `Usage: coffer operator init [options]

  Initializes a new server: creates the root key, splits it into unseal key
  shares with Shamir's scheme, and returns the shares and an initial root
  token. Run once per storage backend. With -status, only reports whether the
  server is initialized (exit 0 yes, 2 no, 1 error).

      $ coffer operator init
      $ coffer operator init -key-shares=3 -key-threshold=2`,
  flags: [
    { name: 'key-shares', aliases: ['n'], kind: 'int', default: 5, usage: 'Number of unseal key shares to create.' },
    { name: 'key-threshold', aliases: ['t'], kind: 'int', default: 3, usage: 'Number of shares needed to unseal.' },
    { name: 'status', kind: 'bool', usage: 'Only report whether the server is initialized.' },
    { name: 'pgp-keys', kind: 'strings', usage: 'Not supported by Coffer (shares are returned in clear).', hidden: true },
    { name: 'root-token-pgp-key', kind: 'string', usage: 'Not supported by Coffer.', hidden: true },
    { name: 'recovery-shares', kind: 'int', default: 0, usage: 'Recovery shares (auto-unseal only).', hidden: true },
    { name: 'recovery-threshold', kind: 'int', default: 0, usage: 'Recovery threshold (auto-unseal only).', hidden: true },
    { name: 'recovery-pgp-keys', kind: 'strings', usage: 'Not supported.', hidden: true },
  ],
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    if (ctx.flags['status']) {
      let inited: boolean;
      try {
        inited = !!(await getJSON(client, 'GET', 'sys/init')).initialized;
      } catch (e) {
        return ctx.fail(`Error checking init status: ${(e as Error).message}`, 1);
      }
      if (ctx.ui.format === 'table') ctx.ui.output(inited ? 'Vault is initialized' : 'Vault is not initialized');
      else outputData(ctx.ui, { initialized: inited });
      return inited ? 0 : 2;
    }
    const shares = ctx.flags['key-shares'] as number;
    const threshold = ctx.flags['key-threshold'] as number;
    const body: Json = { secret_shares: shares, secret_threshold: threshold };
    if ((ctx.flags['pgp-keys'] as string[]).length) body.pgp_keys = ctx.flags['pgp-keys'];
    if (ctx.flags['root-token-pgp-key']) body.root_token_pgp_key = ctx.flags['root-token-pgp-key'];
    const res = await attempt(ctx, 'Error initializing', () => getJSON(client, 'PUT', 'sys/init', body));
    if (!res.ok) return res.code;
    const r = res.value;
    const hex: string[] = r.keys ?? [];
    const b64: string[] = r.keys_base64 ?? [];
    if (ctx.ui.format !== 'table') {
      return outputData(ctx.ui, Struct.of({
        unseal_keys_b64: b64, unseal_keys_hex: hex,
        unseal_shares: hex.length ? shares : 1, unseal_threshold: hex.length ? threshold : 1,
        recovery_keys_b64: r.recovery_keys_base64 ?? [], recovery_keys_hex: r.recovery_keys ?? [],
        recovery_keys_shares: 0, recovery_keys_threshold: 0, root_token: r.root_token ?? '',
      }));
    }
    hex.forEach((k, i) => ctx.ui.output(`Unseal Key ${i + 1}: ${b64.length === hex.length ? b64[i] : k}`));
    ctx.ui.output('');
    ctx.ui.output(`Initial Root Token: ${r.root_token}`);
    ctx.ui.output('');
    ctx.ui.output(wrapAtLength(`Initialized with ${shares} key shares and a key threshold of ${threshold}. Keep the shares above apart and safe: after a restart or a seal, any ${threshold} of them unseal the server.`));
    ctx.ui.output('');
    ctx.ui.output(wrapAtLength(`The root key is not stored anywhere. Without ${threshold} of these shares the data cannot be decrypted and the server stays sealed.`));
    return 0;
  },
};

export const operatorUnseal: Command = {
  name: 'operator unseal',
  synopsis: 'Unseals the server',
  help: `Usage: coffer operator unseal [options] [KEY]

  Provides one unseal key share. Repeat with different shares until the
  threshold is reached. Without KEY the share is asked for (hidden) on a
  terminal, or read from the first line of stdin.

      $ coffer operator unseal 4fa9...
      $ coffer operator unseal -reset`,
  flags: [
    { name: 'reset', kind: 'bool', usage: 'Discard the shares given so far.' },
    { name: 'migrate', kind: 'bool', usage: 'Seal migration (not used by Coffer).', hidden: true },
  ],
  output: { format: true },
  async run(ctx) {
    const bad = checkArgs(ctx, 0, 1, '1');
    if (bad !== undefined) return bad;
    const client = ctx.client();
    if (ctx.flags['reset']) {
      const res = await attempt(ctx, 'Error resetting unseal process', () => getJSON(client, 'PUT', 'sys/unseal', { reset: true }));
      if (!res.ok) return res.code;
      return outputSealStatus(ctx, client, res.value);
    }
    let key = (ctx.args[0] ?? '').trim();
    if (!key) {
      if (ctx.flags['non-interactive']) return ctx.fail(wrapAtLength('Refusing to read from stdin with -non-interactive specified; specify unseal key as an argument to this command'), 1);
      try {
        key = (await askSecret(ctx.io, 'Unseal Key (will be hidden): ')).trim();
      } catch (e) {
        return ctx.fail(`An error occurred attempting to ask for an unseal key: ${(e as Error).message}`, 1);
      }
    }
    const res = await attempt(ctx, 'Error unsealing', () => getJSON(client, 'PUT', 'sys/unseal', { key, migrate: ctx.flags['migrate'] || undefined }));
    if (!res.ok) return res.code;
    return outputSealStatus(ctx, client, res.value);
  },
};

export const operatorSeal: Command = {
  name: 'operator seal',
  synopsis: 'Seals the server',
  help: `Usage: coffer operator seal [options]

  Seals the server: the keyring leaves memory and every request except the
  lifecycle endpoints gets 503 until it is unsealed again. Needs a token with
  sudo on sys/seal.

      $ coffer operator seal`,
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const res = await attempt(ctx, 'Error sealing', () => getJSON(client, 'PUT', 'sys/seal'));
    if (!res.ok) return res.code;
    ctx.ui.output('Success! Vault is sealed.');
    return 0;
  },
};

function keyStatusTable(ks: Json): string {
  const t = new Date(ks.install_time);
  const p = (n: number) => String(n).padStart(2, '0');
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  // Go's time.RFC822 in UTC: "02 Jan 06 15:04 UTC".
  const install = Number.isNaN(t.getTime()) ? String(ks.install_time ?? '') : `${p(t.getUTCDate())} ${months[t.getUTCMonth()]} ${p(t.getUTCFullYear() % 100)} ${p(t.getUTCHours())}:${p(t.getUTCMinutes())} UTC`;
  return columnOutput([`Key Term | ${ks.term}`, `Install Time | ${install}`, `Encryption Count | ${ks.encryptions ?? 0}`]);
}

async function keyStatus(client: VaultClient): Promise<Json> {
  const body = await getJSON(client, 'GET', 'sys/key-status');
  const d = body.data && typeof body.data === 'object' ? body.data : body;
  return { term: d.term, install_time: d.install_time, encryptions: d.encryptions ?? 0 };
}

export const operatorKeyStatus: Command = {
  name: 'operator key-status',
  synopsis: 'Provides information about the active encryption key',
  help: `Usage: coffer operator key-status [options]

  Shows the term and install time of the barrier's active encryption key.

      $ coffer operator key-status`,
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const res = await attempt(ctx, 'Error reading key status', () => keyStatus(ctx.client()));
    if (!res.ok) return res.code;
    if (ctx.ui.format === 'table') {
      ctx.ui.output(keyStatusTable(res.value));
      return 0;
    }
    return outputData(ctx.ui, Struct.of(res.value));
  },
};

export const operatorRotate: Command = {
  name: 'operator rotate',
  synopsis: 'Rotates the underlying encryption key',
  help: `Usage: coffer operator rotate [options]

  Adds a new barrier encryption key; new writes use it, old data stays readable
  with the older keys.

      $ coffer operator rotate`,
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const rot = await attempt(ctx, 'Error rotating key', () => getJSON(client, 'PUT', 'sys/rotate'));
    if (!rot.ok) return rot.code;
    const res = await attempt(ctx, 'Error reading key status', () => keyStatus(client));
    if (!res.ok) return res.code;
    if (ctx.ui.format === 'table') {
      ctx.ui.output('Success! Rotated key');
      ctx.ui.output('');
      ctx.ui.output(keyStatusTable(res.value));
      return 0;
    }
    return outputData(ctx.ui, Struct.of(res.value));
  },
};

export const operatorStepDown: Command = {
  name: 'operator step-down',
  synopsis: 'Forces the active node to give up active duty',
  help: `Usage: coffer operator step-down [options]

  Asks the active node of an HA cluster to step down so a standby takes over.

      $ coffer operator step-down`,
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const res = await attempt(ctx, 'Error stepping down', () => getJSON(ctx.client(), 'PUT', 'sys/step-down'));
    if (!res.ok) return res.code;
    ctx.ui.output('Success! Stepped down: Vault');
    return 0;
  },
};
