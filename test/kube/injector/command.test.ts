/**
 * `coffer k8s injector`'s flags and AGENT_INJECT_* variables, and the server's certificate reload
 * (a rotated certificate is served without a restart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { injectorOptions } from '../../../src/kube/injector/command.js';
import { startInjectorServer, splitListen } from '../../../src/kube/injector/server.js';
import { defaultSettings } from '../../../src/kube/injector/annotations.js';
import { createClusterPki } from '../../../src/kube/testing/ca.js';
import { UsageError } from '../../../src/cli/flags.js';
import { silentLogger } from '../../../src/lib/logger.js';

const REQUIRED = ['-vault-address=https://coffer:8200', '-tls-cert-file=c.pem', '-tls-key-file=k.pem'];

test('flags, AGENT_INJECT_* variables and defaults', () => {
  const d = injectorOptions(REQUIRED, {});
  assert.equal(d.listen, ':8080');
  assert.equal(d.logLevel, 'info');
  assert.deepEqual(d.settings, defaultSettings({ address: 'https://coffer:8200' }));
  assert.equal(d.settings.image, 'coffer:latest');

  const env = {
    AGENT_INJECT_VAULT_ADDR: 'https://from-env:8200', AGENT_INJECT_TLS_CERT_FILE: '/certs/tls.crt', AGENT_INJECT_TLS_KEY_FILE: '/certs/tls.key',
    AGENT_INJECT_VAULT_IMAGE: 'registry.example/coffer:0.1.0', AGENT_INJECT_LOG_LEVEL: 'err', AGENT_INJECT_CPU_LIMIT: '1', AGENT_INJECT_SET_SECURITY_CONTEXT: 'false',
    AGENT_INJECT_DEFAULT_TEMPLATE: 'JSON', AGENT_INJECT_LISTEN: '127.0.0.1:9443',
  };
  const e = injectorOptions([], env);
  assert.deepEqual([e.certFile, e.keyFile, e.listen, e.logLevel], ['/certs/tls.crt', '/certs/tls.key', '127.0.0.1:9443', 'error']);
  assert.equal(e.settings.address, 'https://from-env:8200');
  assert.equal(e.settings.image, 'registry.example/coffer:0.1.0');
  assert.equal(e.settings.cpuLimit, '1');
  assert.equal(e.settings.setSecurityContext, false);
  assert.equal(e.settings.defaultTemplate, 'json');
  // A flag given on the command line wins over its variable.
  assert.equal(injectorOptions(['-vault-address=https://from-flag:8200'], env).settings.address, 'https://from-flag:8200');

  const bad: [string[], RegExp][] = [
    [[], /-vault-address/],
    [['-vault-address=x'], /-tls-cert-file and -tls-key-file are required/],
    [[...REQUIRED, '-log-level=loud'], /unknown log level: loud/],
    [[...REQUIRED, '-default-template=yaml'], /invalid -default-template "yaml"/],
    [[...REQUIRED, '-auth-max-backoff=later'], /invalid -auth-max-backoff "later"/],
    [[...REQUIRED, 'extra'], /Too many arguments/],
  ];
  for (const [args, message] of bad) assert.throws(() => injectorOptions(args, {}), (err: Error) => err instanceof UsageError && message.test(err.message), args.join(' '));
});

test('listen addresses', () => {
  assert.deepEqual(splitListen(':8080'), { host: undefined, port: 8080 });
  assert.deepEqual(splitListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(splitListen('[::1]:8443'), { host: '::1', port: 8443 });
  for (const bad of ['8080', 'host:', 'a:99999']) assert.throws(() => splitListen(bad), /invalid listen address/);
});

function servedCert(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      const raw = s.getPeerCertificate().raw;
      s.end();
      resolve(new X509Certificate(raw).fingerprint256);
    });
    s.on('error', reject);
  });
}

test('a rotated certificate is served without a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'injector-tls-'));
  const [a, b] = [await createClusterPki(['127.0.0.1']), await createClusterPki(['127.0.0.1'])];
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  writeFileSync(certFile, a.certPem);
  writeFileSync(keyFile, a.keyPem);
  const running = await startInjectorServer({ settings: defaultSettings({ address: 'http://127.0.0.1:1' }), certFile, keyFile, listen: '127.0.0.1:0', logger: silentLogger(), certCheckMs: 25 });
  try {
    assert.equal(await servedCert(running.port, a.caPem), new X509Certificate(a.certPem).fingerprint256);
    // Written with a later mtime than the first pair, so the change is seen even on coarse clocks.
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(certFile, b.certPem);
    writeFileSync(keyFile, b.keyPem);
    const want = new X509Certificate(b.certPem).fingerprint256;
    const deadline = Date.now() + 5000;
    let got = '';
    while (Date.now() < deadline) {
      got = await servedCert(running.port, b.caPem).catch(() => '');
      if (got === want) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(got, want);
  } finally {
    await running.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
