/** `policy write|read|list|delete|fmt`: ACL policies (sys/policies/acl). */
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { toApiError } from '../../api/client.js';
import { type Command, attempt, checkArgs } from '../command.js';
import { HCLSyntaxError, formatHCL } from '../hcl-format.js';
import { readAll } from '../io.js';
import { outputData } from '../output.js';

const enc = (name: string) => name.split('/').map(encodeURIComponent).join('/');

export const policyWrite: Command = {
  name: 'policy write',
  synopsis: 'Uploads a named policy from a file',
  help: `Usage: coffer policy write [options] NAME PATH

  Uploads the policy in the HCL or JSON file PATH ("-" for stdin) under NAME,
  replacing any policy of that name. Names are lowercased.

      $ coffer policy write my-policy ./policy.hcl
      $ cat policy.hcl | coffer policy write my-policy -`,
  async run(ctx) {
    const bad = checkArgs(ctx, 2, 2);
    if (bad !== undefined) return bad;
    const name = ctx.args[0]!;
    const formatted = name.trim().toLowerCase();
    const file = ctx.args[1]!.trim();
    let rules: string;
    try {
      rules = file === '-' ? (ctx.stdin ? await readAll(ctx.stdin) : '') : await readFile(file, 'utf8');
    } catch (e) {
      return ctx.fail(`Error opening policy file: ${(e as Error).message}`);
    }
    const client = ctx.client();
    const res = await attempt(ctx, 'Error uploading policy', () => client.write(`sys/policies/acl/${enc(formatted)}`, { policy: rules }));
    if (!res.ok) return res.code;
    if (name !== formatted) ctx.ui.warn(`Policy name was converted from "${name}" to "${formatted}"`);
    ctx.ui.output(`Success! Uploaded policy: ${formatted}`);
    return 0;
  },
};

export const policyRead: Command = {
  name: 'policy read',
  synopsis: 'Prints the contents of a policy',
  help: `Usage: coffer policy read [options] [NAME]

  Prints the rules of the policy NAME.

      $ coffer policy read my-policy`,
  output: { format: true },
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const name = ctx.args[0]!.trim().toLowerCase();
    const client = ctx.client();
    const res = await attempt(ctx, `Error reading policy named ${name}`, async () => {
      const r = await client.request('GET', `sys/policies/acl/${enc(name)}`);
      if (r.status === 404) return '';
      if (r.status >= 400) throw toApiError(r);
      const body = r.body ?? {};
      return String(body.data?.policy ?? body.policy ?? body.data?.rules ?? body.rules ?? '');
    });
    if (!res.ok) return res.code;
    if (!res.value) return ctx.fail(`No policy named: ${name}`);
    if (ctx.ui.format === 'table') {
      ctx.ui.output(res.value.trim());
      return 0;
    }
    return outputData(ctx.ui, { policy: res.value });
  },
};

export const policyList: Command = {
  name: 'policy list',
  synopsis: 'Lists the installed policies',
  help: `Usage: coffer policy list [options]

  Lists the names of the ACL policies.

      $ coffer policy list`,
  output: { format: true },
  async run(ctx) {
    if (ctx.args.length > 0) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const client = ctx.client();
    const res = await attempt(ctx, 'Error listing policies', () => client.list('sys/policies/acl'));
    if (!res.ok) return res.code;
    const keys = (Array.isArray(res.value?.data?.keys) ? res.value!.data!.keys : []) as string[];
    if (ctx.ui.format === 'table') {
      for (const k of keys) ctx.ui.output(k);
      return 0;
    }
    return outputData(ctx.ui, keys);
  },
};

export const policyDelete: Command = {
  name: 'policy delete',
  synopsis: 'Deletes a policy by name',
  help: `Usage: coffer policy delete [options] NAME

  Deletes the policy NAME. Tokens that carry it lose its permissions at once.
  The "root" and "default" policies cannot be deleted.

      $ coffer policy delete my-policy`,
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const name = ctx.args[0]!.trim().toLowerCase();
    const res = await attempt(ctx, `Error deleting ${name}`, () => ctx.client().delete(`sys/policies/acl/${enc(name)}`));
    if (!res.ok) return res.code;
    ctx.ui.output(`Success! Deleted policy: ${name}`);
    return 0;
  },
};

export const policyFmt: Command = {
  name: 'policy fmt',
  synopsis: 'Formats a policy on disk',
  help: `Usage: coffer policy fmt [options] PATH

  Rewrites the HCL policy file at PATH in canonical layout (two-space indents,
  aligned "=", one blank line at most). The file must be valid HCL.

      $ coffer policy fmt my-policy.hcl`,
  local: true,
  async run(ctx) {
    const bad = checkArgs(ctx, 1, 1);
    if (bad !== undefined) return bad;
    const path = ctx.args[0]!.trim().replace(/^~(?=\/|$)/, ctx.env.HOME || homedir());
    let src: string;
    try {
      src = await readFile(path, 'utf8');
    } catch (e) {
      return ctx.fail(`Error reading source file: ${(e as Error).message}`, 1);
    }
    let out: string;
    try {
      out = formatHCL(src);
    } catch (e) {
      if (e instanceof HCLSyntaxError) return ctx.fail(`failed to parse policy: ${e.message}`, 1);
      throw e;
    }
    try {
      await writeFile(path, out, { mode: 0o644 });
    } catch (e) {
      return ctx.fail(`Error writing result: ${(e as Error).message}`, 1);
    }
    ctx.ui.output(`Success! Formatted policy: ${path}`);
    return 0;
  },
};
