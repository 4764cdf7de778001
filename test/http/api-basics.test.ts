import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startCoffer, type TestCoffer } from '../support/server.js';

let c: TestCoffer;
before(async () => { c = await startCoffer(); });
after(async () => { await c.stop(); });

test('no token, a bad token, and a token in Authorization: Bearer', async () => {
  let r = await c.api('GET', 'secret/data/x', undefined, '');
  assert.equal(r.status, 403);
  assert.deepEqual(r.body, { errors: ['permission denied'] });
  r = await c.api('GET', 'secret/data/x', undefined, 'hvs.notarealtokenatallxxxxx');
  assert.equal(r.status, 403);
  const res = await fetch(`${c.addr}/v1/auth/token/lookup-self`, { headers: { authorization: `Bearer ${c.rootToken}` } });
  assert.equal(res.status, 200);
});

test("Vault's envelope on success, errors array on failure", async () => {
  let r = await c.api('POST', 'secret/data/env', { data: { a: '1' } });
  assert.equal(r.status, 200);
  for (const k of ['request_id', 'lease_id', 'renewable', 'lease_duration', 'data', 'wrap_info', 'warnings', 'auth']) assert.ok(k in r.body, k);
  r = await c.api('GET', 'nope/at/all');
  assert.equal(r.status, 404);
  assert.match(r.body.errors[0], /no handler for route/);
  r = await c.api('GET', 'secret/data/missing');
  assert.equal(r.status, 404);
});

test('LIST verb and ?list=true are the same', async () => {
  await c.api('POST', 'secret/data/dir/one', { data: { a: 1 } });
  await c.api('POST', 'secret/data/dir/two', { data: { a: 2 } });
  const viaVerb = await c.api('LIST', 'secret/metadata/dir');
  const viaQuery = await c.api('GET', 'secret/metadata/dir?list=true');
  assert.equal(viaVerb.status, 200);
  assert.deepEqual(viaVerb.body.data.keys, ['one', 'two']);
  assert.deepEqual(viaQuery.body.data.keys, ['one', 'two']);
});

test('bad input: malformed JSON, non-object JSON, path traversal, unknown verb, oversized body', async () => {
  let r = await c.api('POST', 'secret/data/x', '{"data": ');
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0], /failed to parse JSON/);
  r = await c.api('POST', 'secret/data/x', '[1,2]');
  assert.equal(r.status, 400);
  r = await rawRequest('GET', '/v1/secret/data/../../sys/mounts');
  assert.equal(r.status, 400);
  r = await rawRequest('BREW', '/v1/secret/data/x');
  assert.equal(r.status, 405);
  const big = Buffer.alloc(33 * 1024 * 1024, 'a');
  r = await rawRequest('POST', '/v1/secret/data/big', big);
  assert.equal(r.status, 413);
  const after = await c.api('GET', 'secret/data/big');
  assert.equal(after.status, 404, 'nothing was written');
});

test('?help=1 answers path help; the OpenAPI document lists mounted paths', async () => {
  let r = await c.api('GET', 'secret/data/foo?help=1');
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.help, 'string');
  r = await c.api('GET', 'sys/internal/specs/openapi');
  assert.equal(r.status, 200);
  assert.equal(r.body.openapi, '3.0.2');
  assert.ok(Object.keys(r.body.paths).some((p) => p.startsWith('/secret/data/')));
  assert.ok(Object.keys(r.body.paths).some((p) => p.startsWith('/sys/mounts')));
});

function rawRequest(method: string, path: string, body?: Buffer): Promise<{ status: number; body: any }> {
  const url = new URL(c.addr);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { 'x-vault-token': c.rootToken, ...(body ? { 'content-length': body.length } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

test('an unknown route answers 403 to callers without a token, 404 to root; JSON bodies end with a newline', async () => {
  let r = await c.api('GET', 'nothing/here', undefined, '');
  assert.equal(r.status, 403);
  r = await c.api('GET', 'nothing/here');
  assert.equal(r.status, 404);
  const res = await fetch(`${c.addr}/v1/sys/mounts`, { headers: { 'x-vault-token': c.rootToken } });
  assert.ok((await res.text()).endsWith('}\n'));
});

test('token lookup shows last_renewal_time once renewed', async () => {
  let r = await c.api('POST', 'auth/token/create', { ttl: '1h' });
  const t = r.body.auth.client_token;
  r = await c.api('POST', 'auth/token/lookup', { token: t });
  assert.equal(r.body.data.last_renewal_time, undefined);
  await c.api('POST', 'auth/token/renew', { token: t });
  r = await c.api('POST', 'auth/token/lookup', { token: t });
  assert.equal(typeof r.body.data.last_renewal_time, 'number');
  assert.match(r.body.data.last_renewal, /^\d{4}-\d{2}-\d{2}T/);
});

test('%2F in a path decodes to / (OCSP GET carries base64); a decoded .. is still refused', async () => {
  await c.api('POST', 'secret/data/enc/slash', { data: { a: 1 } });
  let r = await c.api('GET', 'secret/data/enc%2Fslash');
  assert.equal(r.status, 200);
  r = await c.api('GET', 'secret/data/x%2F..%2F..%2Fsys%2Fmounts');
  assert.equal(r.status, 400);
});
