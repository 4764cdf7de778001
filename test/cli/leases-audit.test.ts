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

/** A certificate lease: a PKI role with generate_lease, as a per-cluster CA would have. */
async function certLease(cn: string): Promise<string> {
  const r = await run(['write', '-field=lease_id', 'pki/issue/member', `common_name=${cn}`, 'ttl=1h']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^pki\/issue\/member\/.+/);
  return r.stdout;
}

test('lease setup: pki with generate_lease (seed 002 style, via mount and mount-tune)', async () => {
  let r = await run(['secrets', 'enable', 'pki']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(['secrets', 'tune', '-max-lease-ttl=87600h', 'pki']);
  assert.equal(r.code, 0, r.stderr);
  r = await run(['write', '-field=certificate', 'pki/root/generate/internal', 'common_name=c1/pki/etcd', 'ttl=87600h']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^-----BEGIN CERTIFICATE-----\n(.|\n)+-----END CERTIFICATE-----$/);
  r = await run(['write', 'pki/roles/member', 'allow_any_name=true', 'max_ttl=720h', 'generate_lease=true']);
  assert.equal(r.code, 0, r.stderr);
});

test('lease lookup; renewing a lease that is not renewable is a 400', async () => {
  const leaseId = await certLease('etcd-1');
  let r = await run(['lease', 'lookup', leaseId]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^id +${leaseId.replace(/[/.]/g, '\\$&')}$`, 'm'));
  assert.match(r.stdout, /^ttl +(59m\d+s|1h)$/m);
  r = await run(['lease', 'lookup', '-format=json', leaseId]);
  assert.equal(JSON.parse(r.stdout).data.id, leaseId);
  r = await run(['lease', 'renew', '-increment=5m', leaseId]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Error renewing pki\/issue\/member\/.+: Error making API request\.(.|\n)*Code: 400\. Errors:\n\n\* lease is not renewable\n$/);
  r = await run(['lease', 'lookup']);
  assert.deepEqual([r.code, r.stderr], [1, 'Missing ID!\n']);
  r = await run(['lease', 'lookup', 'pki/issue/member/forged']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error looking up lease id pki\/issue\/member\/forged: Error making API request\.(.|\n)*Code: 400/);
});

test('lease revoke: one lease, by prefix, -force needs -prefix', async () => {
  const one = await certLease('etcd-2');
  let r = await run(['lease', 'revoke', '-sync', one]);
  assert.deepEqual([r.code, r.stdout], [0, `Success! Revoked lease: ${one}\n`], r.stderr);
  r = await run(['lease', 'lookup', one]);
  assert.equal(r.code, 2, 'the lease is gone');

  const a = await certLease('etcd-3');
  const b = await certLease('etcd-4');
  r = await run(['lease', 'revoke', '-prefix', 'pki/issue/member/']);
  assert.deepEqual([r.code, r.stdout], [0, 'All revocation operations queued successfully!\n'], r.stderr);
  // Revocation is queued (no -sync): wait for it, for up to five seconds.
  const gone = async () => (await run(['lease', 'lookup', a])).code === 2 && (await run(['lease', 'lookup', b])).code === 2;
  for (let i = 0; i < 250 && !(await gone()); i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal((await run(['lease', 'lookup', a])).code, 2);
  assert.equal((await run(['lease', 'lookup', b])).code, 2);

  r = await run(['lease', 'revoke', '-force', 'pki/issue/member/']);
  assert.deepEqual([r.code, r.stderr], [1, 'Specifying -force requires also specifying -prefix\n']);
  await certLease('etcd-5');
  r = await run(['lease', 'revoke', '-force', '-prefix', 'pki/issue/member/']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Force-removing leases/);
  assert.equal(r.stdout, 'Success! Force revoked any leases with prefix: pki/issue/member/\n');
});

test('a token\'s own lease cannot be renewed through sys/leases (Vault\'s rule)', async () => {
  await run(['token', 'create', '-ttl=10m', '-field=token']);
  const keys = JSON.parse((await run(['list', '-format=json', 'sys/leases/lookup/auth/token/create/'])).stdout) as string[];
  assert.ok(keys.length >= 1);
  const r = await run(['lease', 'renew', `auth/token/create/${keys[0]}`]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /tokens cannot be renewed through this endpoint/);
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
