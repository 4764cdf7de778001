/**
 * Seed 000 with the CLI: `secrets enable pki`, `secrets tune -max-lease-ttl`, the intermediate
 * CSR written with `-field=csr … > intermediate.csr` by the real process, signed by an offline
 * root (openssl here, cfssl in the article), and uploaded with `certificate=@intermediate_ca.pem`.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

let c: TestCoffer;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'coffer-seed000-'));
const sh = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

before(async () => {
  c = await startCoffer();
  env = cliEnv(c);
});
after(async () => { await c.stop(); });

test('seed 000: intermediate CSR out through -field, signed offline, set-signed with @file', async () => {
  let r = await runCLI(['secrets', 'enable', 'pki'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Enabled the pki secrets engine at: pki/\n'], r.stderr);
  r = await runCLI(['secrets', 'tune', '-max-lease-ttl=8760h', 'pki'], { env });
  assert.deepEqual([r.code, r.stdout], [0, 'Success! Tuned the secrets engine at: pki/\n'], r.stderr);

  // $ vault write -field=csr pki/intermediate/generate/internal … > intermediate.csr
  const shim = join(import.meta.dirname, 'process-shim.ts');
  const { stdout: csr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', shim, 'write', '-field=csr', 'pki/intermediate/generate/internal',
    'common_name=Kubernetes Intermediate Authority', 'key_type=rsa', 'key_bits=2048', 'ttl=43800h'], { env: { ...process.env, ...env } });
  assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+\n-----END CERTIFICATE REQUEST-----$/, 'exactly the PEM, no trailing newline');
  writeFileSync(join(dir, 'intermediate.csr'), csr);

  // The offline root signs it as a CA.
  sh('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '3650', '-subj', '/CN=Offline Root');
  writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=critical,CA:true\nkeyUsage=critical,digitalSignature,keyCertSign,cRLSign\n');
  sh('x509', '-req', '-in', 'intermediate.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'intermediate_ca.pem', '-days', '1825', '-extfile', 'ext.cnf');

  // $ vault write pki/intermediate/set-signed certificate=@intermediate_ca.pem
  r = await runCLI(['write', 'pki/intermediate/set-signed', `certificate=@${join(dir, 'intermediate_ca.pem')}`], { env });
  assert.equal(r.code, 0, r.stderr);

  r = await runCLI(['write', 'pki/roles/kubelet', 'allowed_domains=kubelet', 'allow_bare_domains=true', 'allow_subdomains=false', 'max_ttl=720h'], { env });
  assert.equal(r.code, 0, r.stderr);
  r = await runCLI(['write', '-format=json', 'pki/issue/kubelet', 'common_name=kubelet', 'ttl=24h'], { env });
  assert.equal(r.code, 0, r.stderr);
  const issued = JSON.parse(r.stdout).data;
  writeFileSync(join(dir, 'leaf.pem'), issued.certificate);
  writeFileSync(join(dir, 'chain.pem'), `${readFileSync(join(dir, 'intermediate_ca.pem'), 'utf8')}`);
  const verify = sh('verify', '-CAfile', 'ca.pem', '-untrusted', 'chain.pem', 'leaf.pem').toString();
  assert.match(verify, /leaf\.pem: OK/);
  r = await runCLI(['write', 'pki/issue/kubelet', 'common_name=kube-proxy'], { env });
  assert.equal(r.code, 2, 'a name outside the role is refused');
  assert.match(r.stderr, /^Error writing data to pki\/issue\/kubelet: Error making API request\.(.|\n)*Code: 400/);
});
