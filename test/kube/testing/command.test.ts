import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { runKubeApiserverCommand } from '../../../src/kube/testing/command.js';

const capture = () => {
  const s = new PassThrough();
  let text = '';
  s.on('data', (d) => { text += d; });
  return { stream: s, text: () => text };
};

test('coffer dev kube-apiserver writes ca.crt and a working admin.kubeconfig, and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'coffer-kube-cmd-'));
  const out = capture();
  const err = capture();
  try {
    const running = runKubeApiserverCommand(['-listen=127.0.0.1:0', `-dir=${dir}`], out.stream, err.stream);
    const deadline = Date.now() + 20_000;
    while (!out.text().includes('export KUBECONFIG') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(out.text(), /listening on https:\/\/127\.0\.0\.1:\d+/);
    assert.match(readFileSync(join(dir, 'ca.crt'), 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, 'admin.kubeconfig'));
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    assert.ok(namespaces.items.some((n) => n.metadata?.name === 'kube-system'));
    process.emit('SIGTERM', 'SIGTERM');
    assert.equal(await running, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 1 and name the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['-listen=127.0.0.1:0'], /Missing -dir/],
    [['-dir=/tmp/x', '-listen=nonsense'], /invalid -listen "nonsense": expected host:port/],
    [['-dir=/tmp/x', '-bogus'], /flag provided but not defined: -bogus/],
  ];
  for (const [args, re] of cases) {
    const err = capture();
    assert.equal(await runKubeApiserverCommand(args, capture().stream, err.stream), 1);
    assert.match(err.text(), re);
  }
  assert.equal(existsSync('/tmp/x/admin.kubeconfig'), false);
});
