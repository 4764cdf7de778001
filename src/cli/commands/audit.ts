/** `audit enable|disable|list`: audit devices (sys/audit). */
import { type Command, attempt, checkArgs, ensureTrailingSlash, errorText, sanitizePath } from '../command.js';
import { tableOutput } from '../format.js';
import { parseArgsData, stringifyValues } from '../kv-args.js';
import { outputData } from '../output.js';
import { mountMap, requestJSON } from './mounts.js';

export const auditEnable: Command = {
  name: 'audit enable',
  synopsis: 'Enables an audit device',
  help: `Usage: coffer audit enable [options] TYPE [CONFIG K=V...]

  Enables an audit device of TYPE (file, socket, syslog) at -path, by default
  named after the type. Once a device is enabled, a request that no device can
  record fails.

      $ coffer audit enable file file_path=/var/log/coffer/audit.log
      $ coffer audit enable -path=stdout file file_path=stdout`,
  flags: [
    { name: 'description', kind: 'string', usage: 'A human-friendly description.' },
    { name: 'path', kind: 'string', usage: 'Where to enable the device (default: the type).' },
    { name: 'local', kind: 'bool', usage: 'Do not replicate the device (replication is not used by Coffer).' },
  ],
  async run(ctx) {
    if (ctx.args.length < 1) return ctx.fail("Error enabling audit device: audit type missing. Valid types include 'file', 'socket' and 'syslog'.", 1);
    const type = ctx.args[0]!.trim();
    const path = ensureTrailingSlash(ctx.flags['path'] || type);
    let options: Record<string, string>;
    try {
      options = stringifyValues(await parseArgsData(ctx.args.slice(1), ctx.stdin));
    } catch (e) {
      return ctx.fail(`Failed to parse K=V data: ${errorText(e)}`, 1);
    }
    const body: Record<string, unknown> = { type, description: ctx.flags['description'], options };
    if (ctx.flags['local']) body.local = true;
    const res = await attempt(ctx, 'Error enabling audit device', () => requestJSON(ctx.client(), 'PUT', `sys/audit/${path.replace(/\/$/, '')}`, body));
    if (!res.ok) return res.code;
    ctx.ui.output(`Success! Enabled the ${type} audit device at: ${path}`);
    return 0;
  },
};

export const auditDisable: Command = {
  name: 'audit disable',
  synopsis: 'Disables an audit device',
  help: `Usage: coffer audit disable [options] PATH

  Disables the audit device at PATH.

      $ coffer audit disable file/`,
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const path = ensureTrailingSlash(sanitizePath(ctx.args[0]!));
    const res = await attempt(ctx, 'Error disabling audit device', () => requestJSON(ctx.client(), 'DELETE', `sys/audit/${path.replace(/\/$/, '')}`));
    if (!res.ok) return res.code;
    ctx.ui.output(`Success! Disabled audit device (if it was enabled) at: ${path}`);
    return 0;
  },
};

export const auditList: Command = {
  name: 'audit list',
  synopsis: 'Lists enabled audit devices',
  help: `Usage: coffer audit list [options]

  Lists the enabled audit devices; -detailed adds their options. Exits 2 when
  none is enabled (table format).

      $ coffer audit list -detailed`,
  output: { format: true, detailed: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const res = await attempt(ctx, 'Error listing audits', () => requestJSON(ctx.client(), 'GET', 'sys/audit'));
    if (!res.ok) return res.code;
    const audits = mountMap(res.value);
    if (ctx.ui.format !== 'table') return outputData(ctx.ui, audits);
    const paths = Object.keys(audits).sort();
    if (paths.length === 0) {
      ctx.ui.output('No audit devices are enabled.');
      return 2;
    }
    const rows = ctx.flags['detailed']
      ? ['Path | Type | Description | Replication | Options', ...paths.map((p) => {
        const a = audits[p]!;
        const opts = Object.entries(a.options ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
        return `${p} | ${a.type ?? ''} | ${a.description ?? ''} | ${a.local ? 'local' : 'replicated'} | ${opts}`;
      })]
      : ['Path | Type | Description', ...paths.map((p) => `${audits[p]!.path ?? p} | ${audits[p]!.type ?? ''} | ${audits[p]!.description ?? ''}`)];
    ctx.ui.output(tableOutput(rows));
    return 0;
  },
};
