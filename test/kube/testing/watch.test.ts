import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, makeInformer, PatchStrategy, setHeaderOptions, Watch, type V1ServiceAccount } from '@kubernetes/client-node';
import { startKubeTestServer, type KubeTestServer } from '../../../src/kube/testing/index.js';
import { kubeConfig } from './helpers.js';

let server: KubeTestServer;
let core: CoreV1Api;

before(async () => {
  server = await startKubeTestServer({ controllerDelayMs: 0, watchHistorySize: 50 });
  core = kubeConfig(server).makeApiClient(CoreV1Api);
  await server.createNamespace('watched');
});
after(() => server.close());

interface Seen { type: string; name: string; rv: string; labels?: Record<string, string> }

/** Starts a client-node watch and returns the events seen so far plus a way to wait for more. */
async function watch(path: string, query: Record<string, string> = {}) {
  const seen: Seen[] = [];
  const waiters: (() => void)[] = [];
  let done: unknown = 'open';
  const controller = await new Watch(kubeConfig(server)).watch(path, query, (type, obj) => {
    seen.push({ type, name: obj.metadata?.name ?? obj.message, rv: obj.metadata?.resourceVersion, labels: obj.metadata?.labels });
    for (const w of waiters.splice(0)) w();
  }, (err) => { done = err; for (const w of waiters.splice(0)) w(); });
  const until = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (seen.length < n && done === 'open' && Date.now() < deadline) await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
    return seen;
  };
  return { seen, until, stop: () => controller.abort(), closed: () => done };
}

test('watch streams ADDED, MODIFIED and DELETED with increasing resourceVersions', async () => {
  const w = await watch('/api/v1/namespaces/watched/serviceaccounts');
  await w.until(1); // the namespace's default account, as initial state
  assert.deepEqual(w.seen.map((e) => [e.type, e.name]), [['ADDED', 'default']]);
  await core.createNamespacedServiceAccount({ namespace: 'watched', body: { metadata: { name: 'a' } } });
  await core.patchNamespacedServiceAccount({ name: 'a', namespace: 'watched', body: { metadata: { labels: { x: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await core.deleteNamespacedServiceAccount({ name: 'a', namespace: 'watched' });
  await w.until(4);
  w.stop();
  assert.deepEqual(w.seen.slice(1).map((e) => [e.type, e.name]), [['ADDED', 'a'], ['MODIFIED', 'a'], ['DELETED', 'a']]);
  const rvs = w.seen.slice(1).map((e) => Number(e.rv));
  assert.ok(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!, `increasing: ${rvs}`);
});

test('a watch from a resourceVersion replays what happened after it; a compacted one gets 410 Expired', async () => {
  const list = await core.listNamespacedServiceAccount({ namespace: 'watched' });
  const from = list.metadata!.resourceVersion!;
  await core.createNamespacedServiceAccount({ namespace: 'watched', body: { metadata: { name: 'b' } } });
  const w = await watch('/api/v1/namespaces/watched/serviceaccounts', { resourceVersion: from });
  await w.until(1);
  w.stop();
  assert.deepEqual(w.seen.map((e) => [e.type, e.name]), [['ADDED', 'b']]);

  for (let i = 0; i < 60; i++) await server.cluster.create(server.cluster.kind('configmaps'), 'watched', { metadata: { name: `filler-${i}` } });
  const old = await watch('/api/v1/namespaces/watched/serviceaccounts', { resourceVersion: from });
  await old.until(1);
  assert.equal(old.seen[0]?.type, 'ERROR');
  assert.match(old.seen[0]!.name, new RegExp(`^too old resource version: ${from} \\(\\d+\\)$`));
});

test('a label-selected watch sees an object leave the selection as DELETED and enter it as ADDED', async () => {
  await core.createNamespacedServiceAccount({ namespace: 'watched', body: { metadata: { name: 'c', labels: { team: 'red' } } } });
  const w = await watch('/api/v1/namespaces/watched/serviceaccounts', { labelSelector: 'team=red' });
  await w.until(1);
  const relabel = (team: string) => core.patchNamespacedServiceAccount({ name: 'c', namespace: 'watched', body: { metadata: { labels: { team } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await relabel('blue');
  await relabel('red');
  await w.until(3);
  w.stop();
  assert.deepEqual(w.seen.map((e) => [e.type, e.name, e.labels?.team]), [['ADDED', 'c', 'red'], ['DELETED', 'c', 'blue'], ['ADDED', 'c', 'red']]);
});

test('an informer lists then watches, as controllers do', async () => {
  const informer = makeInformer<V1ServiceAccount>(kubeConfig(server), '/api/v1/namespaces/watched/serviceaccounts', () => core.listNamespacedServiceAccount({ namespace: 'watched' }));
  const added: string[] = [];
  const deleted: string[] = [];
  informer.on('add', (o) => added.push(o.metadata!.name!));
  informer.on('delete', (o) => deleted.push(o.metadata!.name!));
  await informer.start();
  try {
    await core.createNamespacedServiceAccount({ namespace: 'watched', body: { metadata: { name: 'from-informer' } } });
    await core.deleteNamespacedServiceAccount({ name: 'from-informer', namespace: 'watched' });
    const deadline = Date.now() + 5000;
    while (!deleted.includes('from-informer') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(added.includes('default') && added.includes('from-informer'), added.join(','));
    assert.deepEqual(deleted, ['from-informer']);
    assert.ok(informer.list('watched').every((o) => o.metadata?.name !== 'from-informer'));
  } finally {
    await informer.stop();
  }
});

test('timeoutSeconds ends the watch stream, as the server-side watch timeout does', async () => {
  const w = await watch('/api/v1/namespaces/watched/serviceaccounts', { timeoutSeconds: '1' });
  const deadline = Date.now() + 4000;
  while (w.closed() === 'open' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(w.closed(), null);
});
