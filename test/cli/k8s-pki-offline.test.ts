/** `coffer k8s pki init -offline-root-csr-out`: intermediates signed by an offline root (openssl here). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoffer } from '../support/server.js';
import { cliEnv, runCLI } from './run-cli.js';

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { out += c; });
    p.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

test('offline root: CSRs out, signed certificates in, then the same as with internal roots', async () => {
  const c = await startCoffer();
  const dir = mkdtempSync(join(tmpdir(), 'coffer-k8s-offline-'));
  try {
    const env = cliEnv(c);
    const csrDir = join(dir, 'csr');
    const first = await runCLI(['k8s', 'pki', 'init', '-cluster=c2', '-key-type=ec', '-ca-key-type=ec', `-offline-root-csr-out=${csrDir}`], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Next steps:\n {2}etcd: sign .*etcd\.csr with the offline root/);
    // Before the signed certificates come back, a second run only rewrites the CSRs, from the same keys.
    const csr1 = readFileSync(join(csrDir, 'k8s.csr'), 'utf8');
    const again = await runCLI(['k8s', 'pki', 'init', '-cluster=c2', '-key-type=ec', '-ca-key-type=ec', `-offline-root-csr-out=${csrDir}`], { env });
    assert.match(again.stdout, /Success! 3 changes applied/);
    const pub = async (file: string) => (await run('openssl', ['req', '-in', file, '-noout', '-pubkey'], dir)).out;
    writeFileSync(join(dir, 'k8s-old.csr'), csr1);
    assert.equal(await pub(join(csrDir, 'k8s.csr')), await pub(join(dir, 'k8s-old.csr')), 'the same key, not a new one');

    // The offline root, with openssl.
    assert.equal((await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '3650', '-subj', '/O=Example/CN=Offline Root'], dir)).code, 0);
    writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    for (const ca of ['etcd', 'k8s', 'front-proxy']) {
      const s = await run('openssl', ['x509', '-req', '-in', join(csrDir, `${ca}.csr`), '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '1825', '-extfile', 'ca.ext', '-out', `${ca}.pem`], dir);
      assert.equal(s.code, 0, s.out);
      const w = await runCLI(['write', `c2/pki/${ca}/intermediate/set-signed`, `certificate=@${join(dir, `${ca}.pem`)}`], { env });
      assert.equal(w.code, 0, w.stderr);
    }
    const done = await runCLI(['k8s', 'pki', 'init', '-cluster=c2', '-key-type=ec', '-ca-key-type=ec', `-offline-root-csr-out=${csrDir}`], { env });
    assert.equal(done.stdout, 'No changes: cluster c2 is up to date.\n');

    const out = join(dir, 'node');
    const issued = await runCLI(['k8s', 'pki', 'issue-node', '-cluster=c2', '-node=cp-1', '-ip=10.0.0.11', `-out=${out}`], { env });
    assert.equal(issued.code, 0, issued.stderr);
    for (const [ca, cert] of [['ca.crt', 'apiserver.crt'], ['etcd/ca.crt', 'etcd/server.crt'], ['front-proxy-ca.crt', 'front-proxy-client.crt']]) {
      const v = await run('openssl', ['verify', '-CAfile', 'root.pem', '-untrusted', join(out, ca!), join(out, cert!)], dir);
      assert.equal(v.code, 0, `${cert} against the offline root: ${v.out}`);
    }
    const aia = (await run('openssl', ['x509', '-in', join(out, 'apiserver.crt'), '-noout', '-ext', 'authorityInfoAccess,crlDistributionPoints'], dir)).out;
    assert.ok(aia.includes(`${c.addr}/v1/c2/pki/k8s/ocsp`), aia);
    assert.ok(aia.includes(`${c.addr}/v1/c2/pki/k8s/crl`), aia);
  } finally {
    await c.stop();
  }
});
