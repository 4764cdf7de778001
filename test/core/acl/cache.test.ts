import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AclCache, DEFAULT_POLICY, ROOT_ACL, type AllowRequest } from '../../../src/core/acl/index.js';

function store(initial: Record<string, string>) {
  const texts = new Map(Object.entries(initial));
  const loads: string[] = [];
  const loader = async (name: string) => {
    loads.push(name);
    return texts.get(name);
  };
  return { texts, loads, loader };
}

const read = (path: string): AllowRequest => ({ operation: 'read', path });

test('one ACL per policy set, whatever the order or case of the names', async () => {
  const s = store({ a: 'path "x" { capabilities = ["read"] }', b: 'path "y" { capabilities = ["read"] }' });
  const cache = new AclCache(s.loader);
  const one = await cache.acl(['a', 'b']);
  const two = await cache.acl(['B', 'a', 'a']);
  assert.equal(one, two);
  assert.deepEqual(s.loads.sort(), ['a', 'b']);
  assert.equal(one.allowOperation(read('y')).allowed, true);
  assert.notEqual(await cache.acl(['a']), one);
  assert.deepEqual(s.loads.sort(), ['a', 'b'], 'parsed policies are reused across sets');
});

test('unknown policy names are ignored, as in Vault', async () => {
  const s = store({ a: 'path "x" { capabilities = ["read"] }' });
  const acl = await new AclCache(s.loader).acl(['a', 'ghost']);
  assert.equal(acl.allowOperation(read('x')).allowed, true);
});

test('root short-circuits without loading anything', async () => {
  const s = store({});
  assert.equal(await new AclCache(s.loader).acl(['default', 'root']), ROOT_ACL);
  assert.deepEqual(s.loads, []);
});

test('invalidate(name) makes the next request see the change; other sets survive', async () => {
  const s = store({ a: 'path "x" { capabilities = ["read"] }', b: 'path "y" { capabilities = ["read"] }' });
  const cache = new AclCache(s.loader);
  const before = await cache.acl(['a']);
  const other = await cache.acl(['b']);
  s.texts.set('a', 'path "x" { capabilities = ["deny"] }');
  assert.equal((await cache.acl(['a'])).allowOperation(read('x')).allowed, true, 'still cached');
  cache.invalidate('A');
  const after = await cache.acl(['a']);
  assert.notEqual(after, before);
  assert.equal(after.allowOperation(read('x')).allowed, false);
  assert.equal(await cache.acl(['b']), other);
  // A policy created after a token referenced it.
  assert.equal((await cache.acl(['b', 'later'])).allowOperation(read('z')).allowed, false);
  s.texts.set('later', 'path "z" { capabilities = ["read"] }');
  cache.invalidate('later');
  assert.equal((await cache.acl(['b', 'later'])).allowOperation(read('z')).allowed, true);
});

test('templated sets are cached per identity', async () => {
  const s = store({ default: DEFAULT_POLICY });
  const cache = new AclCache(s.loader);
  const alice = { entity: { id: 'e-a', name: 'alice' } };
  const bob = { entity: { id: 'e-b', name: 'bob' } };
  const a1 = await cache.acl(['default'], alice);
  const b1 = await cache.acl(['default'], bob);
  assert.notEqual(a1, b1);
  assert.equal(await cache.acl(['default'], { entity: { id: 'e-a', name: 'alice' } }), a1);
  assert.equal(a1.allowOperation(read('identity/entity/name/alice')).allowed, true);
  assert.equal(a1.allowOperation(read('identity/entity/name/bob')).allowed, false);
  assert.equal(b1.allowOperation(read('identity/entity/name/bob')).allowed, true);
  // A caller-supplied key replaces the JSON of the identity.
  const k = await cache.acl(['default'], alice, 'e-a@3');
  assert.equal(await cache.acl(['default'], bob, 'e-a@3'), k);
});

test('time templates are never cached', async () => {
  let now = Date.UTC(2025, 0, 1);
  const s = store({ t: 'path "logs/{{time.now}}" { capabilities = ["read"] }' });
  const cache = new AclCache(s.loader, { now: () => now });
  const first = await cache.acl(['t']);
  assert.equal(first.allowOperation(read(`logs/${now / 1000}`)).allowed, true);
  now += 5000;
  const second = await cache.acl(['t']);
  assert.notEqual(second, first);
  assert.equal(second.allowOperation(read(`logs/${now / 1000}`)).allowed, true);
});

test('oldest entries are evicted past maxEntries', async () => {
  const s = store({ a: 'path "a" { capabilities = ["read"] }', b: 'path "b" { capabilities = ["read"] }', c: 'path "c" { capabilities = ["read"] }' });
  const cache = new AclCache(s.loader, { maxEntries: 2 });
  const a = await cache.acl(['a']);
  await cache.acl(['b']);
  await cache.acl(['c']);
  assert.equal(cache.size, 2);
  assert.notEqual(await cache.acl(['a']), a);
});

test('a frozen names array keeps its computed key', async () => {
  const s = store({ a: 'path "a" { capabilities = ["read"] }' });
  const cache = new AclCache(s.loader);
  const names = Object.freeze(['a']);
  assert.equal(await cache.acl(names), await cache.acl(names));
});

test('a policy invalid in storage surfaces as an error, not as access', async () => {
  const s = store({ bad: 'path "a" { capabilities = ["nope"] }' });
  await assert.rejects(new AclCache(s.loader).acl(['bad']), /invalid capability/);
});

test('peek returns only what acl() has built', async () => {
  const s = store({ a: 'path "a" { capabilities = ["read"] }', default: DEFAULT_POLICY });
  const cache = new AclCache(s.loader);
  assert.equal(cache.peek(['a']), undefined);
  const built = await cache.acl(['a']);
  assert.equal(cache.peek(['a']), built);
  assert.equal(cache.peek(['root']), undefined);
  await cache.acl(['root']);
  assert.equal(cache.peek(['root']), ROOT_ACL);
  const id = { entity: { id: 'e', name: 'n' } };
  const t = await cache.acl(['default'], id);
  assert.equal(cache.peek(['default'], id), t);
  assert.equal(cache.peek(['default'], { entity: { id: 'f', name: 'n' } }), undefined);
  cache.invalidate('a');
  assert.equal(cache.peek(['a']), undefined);
});

test('a policy changed while its set loads is not cached stale', async () => {
  const texts = new Map([['a', 'path "x" { capabilities = ["read"] }']]);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const cache = new AclCache(async (name) => {
    const t = texts.get(name);
    await gate;
    return t;
  });
  const pending = cache.acl(['a']);
  texts.set('a', 'path "x" { capabilities = ["deny"] }');
  cache.invalidate('a');
  release();
  assert.equal((await pending).allowOperation(read('x')).allowed, true, 'the in-flight request used what it read');
  assert.equal((await cache.acl(['a'])).allowOperation(read('x')).allowed, false, 'the next one reloads');
});
