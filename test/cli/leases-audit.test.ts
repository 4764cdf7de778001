/** Issue 4 through the CLI: `lease lookup|renew|revoke`, `audit enable|list|disable`, `read sys/metrics`. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const run = (args: string[], e: NodeJS.ProcessEnv = env) => runCLI(args, { env: e });

before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

/** A renewable token's lease id, found through the sudo LIST of sys/leases/lookup. */
async function tokenLease(): Promise<{ token: string; leaseId: string }> {
  const listed = async () => {
    const v = JSON.parse((await run(['list', '-format=json', 'sys/leases/lookup/auth/token/create/'])).stdout || '[]');
    return (Array.isArray(v) ? v : []) as string[];
  };
  const before = new Set(await listed());
  const token = (await run(['token', 'create', '-ttl=10m', '-field=token'])).stdout;
  const after = await listed();
  const fresh = after.filter((k) => !before.has(k));
  assert.equal(fresh.length, 1, `one new lease: ${after}`);
  return { token, leaseId: `auth/token/create/${fresh[0]}` };
}

test('lease lookup and renew', async () => {
  const { leaseId } = await tokenLease();
  let r = await run(['lease', 'lookup', leaseId]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^id +${leaseId.replace(/[/.]/g, '\\$&')}$`, 'm'));
  assert.match(r.stdout, /^renewable +true$/m);
  assert.match(r.stdout, /^ttl +\d+m(\d+s)?$/m);
  r = await run(['lease', 'renew', '-increment=5m', '-format=json', leaseId]);
  assert.equal(r.code, 0, r.stderr);
  const renewed = JSON.parse(r.stdout);
  assert.equal(renewed.lease_id ?? renewed.auth?.lease_id ?? leaseId, leaseId);
  r = await run(['lease', 'lookup']);
  assert.deepEqual([r.code, r.stderr], [1, 'Missing ID!\n']);
  r = await run(['lease', 'lookup', 'auth/token/create/forged']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error looking up lease id auth\/token\/create\/forged: Error making API request\.(.|\n)*Code: 400/);
});

test('lease revoke: one lease, by prefix, -force needs -prefix', async () => {
  const one = await tokenLease();
  let r = await run(['lease', 'revoke', '-sync', one.leaseId]);
  assert.deepEqual([r.code, r.stdout], [0, `Success! Revoked lease: ${one.leaseId}\n`], r.stderr);
  r = await run(['token', 'lookup'], { ...env, VAULT_TOKEN: one.token });
  assert.equal(r.code, 2, 'revoking the lease revoked the token');

  const a = await tokenLease();
  r = await run(['lease', 'revoke', '-prefix', 'auth/token/create/']);
  assert.deepEqual([r.code, r.stdout], [0, 'All revocation operations queued successfully!\n'], r.stderr);
  await new Promise((res) => setTimeout(res, 200));
  r = await run(['token', 'lookup'], { ...env, VAULT_TOKEN: a.token });
  assert.equal(r.code, 2);

  r = await run(['lease', 'revoke', '-force', 'auth/token/create/']);
  assert.deepEqual([r.code, r.stderr], [1, 'Specifying -force requires also specifying -prefix\n']);
  r = await run(['lease', 'revoke', '-force', '-prefix', 'auth/token/create/']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Force-removing leases/);
  assert.equal(r.stdout, 'Success! Force revoked any leases with prefix: auth/token/create/\n');
});

test('audit enable / list / disable, and the device records requests', async () => {
  let r = await run(['audit', 'list']);
  assert.deepEqual([r.code, r.stdout], [2, 'No audit devices are enabled.\n']);
  const file = join(mkdtempSync(join(tmpdir(), 'coffer-audit-')), 'audit.log');
  r = await run(['audit', 'enable', '-description=to disk', 'file', `file_path=${file}`]);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Enabled the file audit device at: file/\n'], r.stderr);
  r = await run(['audit', 'list', '-detailed']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Path +Type +Description +Replication +Options\n/);
  assert.match(r.stdout, new RegExp(`^file/ +file +to disk +replicated +file_path=${file.replace(/[/.]/g, '\\$&')}$`, 'm'));
  await run(['kv', 'put', 'secret/audited', 'password=hunter2']);
  const log = readFileSync(file, 'utf8');
  assert.match(log, /"type":"request"/);
  assert.doesNotMatch(log, /hunter2/, 'secrets are HMAC\'d');
  r = await run(['audit', 'enable', 'file']);
  assert.equal(r.code, 2, 'a file device needs file_path');
  r = await run(['audit', 'enable']);
  assert.equal(r.code, 1);
  r = await run(['audit', 'disable', 'file']);
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Disabled audit device (if it was enabled) at: file/\n']);
});

test('read -format=raw sys/metrics format=prometheus', async () => {
  const r = await run(['read', '-format=raw', 'sys/metrics', 'format=prometheus']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^# (HELP|TYPE) /m);
  const j = await run(['read', '-format=json', 'sys/metrics']);
  assert.equal(j.code, 0, j.stderr);
});
