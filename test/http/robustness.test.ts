/**
 * Robustness sweep over real HTTP: every registered secrets engine and auth method is
 * mounted, the OpenAPI document lists every path and operation, and each one gets a table
 * of hostile inputs with the root token: wrong JSON types per declared field (sampled per
 * type, laid over a valid baseline), nulls, unknown and prototype keys, empty, non-object
 * and deeply nested bodies, 1 MiB strings, hostile path segments, query values, wrap TTLs,
 * LIST and PATCH where they do not belong. A default-policy token must be refused wherever
 * sys/capabilities-self says the default policy grants nothing (the three operations the
 * root sweep skips because they would end it are covered there). Malformed HTTP is sent on
 * raw sockets. Invariants (judge()): no 5xx, no hang, 4xx carry a non-empty `errors`
 * array, no secret value is echoed back; afterwards the server and its data are intact.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { registeredTypes } from '../../src/core/registry.js';
import { startCoffer, type TestCoffer } from '../support/server.js';
import {
  BAD_BODIES, BOUND_MS, MARKER, MIB_STRING, QUERY_VALUES, RawClient, SEGMENTS, WRAP_TTLS, fieldsOf, judge, nestedText, plainValue, sampleValues,
  type FieldSpec, type Reply, type Sent,
} from './robustness-inputs.js';
import { NAME, fixtures, type Baseline } from './robustness-fixtures.js';

type Op = 'read' | 'list' | 'update' | 'patch' | 'delete';
interface Operation { apiPath: string; op: Op; fields: FieldSpec[]; unauthenticated: boolean }

/** Types Vault allows only once (at their built-in mounts); mounting another is refused. */
const SINGLETON_SECRET_TYPES = ['system', 'identity', 'cubbyhole'];
/** Requests that would end the sweep itself (seal the server, revoke the token it runs on). */
const SKIP_WITH_ROOT = new Set(['update /sys/seal', 'update /sys/step-down', 'update /auth/token/revoke-self']);
const METHOD: Record<Op, string> = { read: 'GET', list: 'GET', update: 'POST', patch: 'PATCH', delete: 'DELETE' };

let c: TestCoffer;
let http: RawClient;
let operations: Operation[] = [];
let mountPoints: string[] = [];
const failures: string[] = [];
let sent = 0;

before(async () => {
  c = await startCoffer();
  http = new RawClient(c.addr);
});
after(async () => {
  http.close();
  await c.stop();
});

async function call(s: Sent, token: string, headers?: Record<string, string>): Promise<Reply> {
  const r = await http.send(s.method, s.path, token, s.body, headers);
  sent++;
  const failure = judge(s, r);
  if (failure) failures.push(failure);
  return r;
}

async function ok(method: string, path: string, body?: unknown): Promise<void> {
  const r = await c.api(method, path, body);
  assert.ok(r.status < 300, `fixture ${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
}

function reportFailures(what: string): void {
  const shown = failures.slice(0, 150);
  const more = failures.length > shown.length ? `\n… and ${failures.length - shown.length} more` : '';
  assert.equal(failures.length, 0, `${what}: ${failures.length} of ${sent} requests broke the rules:\n${shown.join('\n')}${more}`);
}

const mountOf = (apiPath: string) => mountPoints.find((m) => apiPath.startsWith(`/${m}`)) ?? '';
const concrete = (apiPath: string, value = NAME) => `/v1${apiPath.replace(/\{[^}]+\}/g, value)}`;
const hasParams = (apiPath: string) => /\{[^}]+\}/.test(apiPath);

test('every registered engine and auth method mounts; singletons are refused; OpenAPI lists them all', async () => {
  for (const type of registeredTypes('secret')) {
    if (SINGLETON_SECRET_TYPES.includes(type)) {
      const r = await c.api('POST', `sys/mounts/robust-${type}`, { type });
      assert.ok(r.status >= 400 && r.status < 500 && r.body.errors?.[0], `mounting a second ${type}: ${r.status} ${JSON.stringify(r.body)}`);
      continue;
    }
    if (type === 'kv') {
      await ok('POST', 'sys/mounts/robust-kv1', { type, options: { version: '1' } });
      await ok('POST', 'sys/mounts/robust-kv2', { type, options: { version: '2' } });
    } else {
      await ok('POST', `sys/mounts/robust-${type}`, { type });
    }
  }
  for (const type of registeredTypes('auth')) {
    if (type === 'token') {
      const r = await c.api('POST', 'sys/auth/robust-token', { type });
      assert.ok(r.status >= 400 && r.status < 500, `mounting a second token method: ${r.status}`);
      continue;
    }
    await ok('POST', `sys/auth/robust-${type}`, { type });
  }
  const mounts = Object.keys((await c.api('GET', 'sys/mounts')).body.data);
  const auths = Object.keys((await c.api('GET', 'sys/auth')).body.data).map((p) => `auth/${p}`);
  // Longest first, so a path belongs to its innermost mount.
  mountPoints = [...mounts, ...auths].sort((a, b) => b.length - a.length);

  const r = await c.api('GET', 'sys/internal/specs/openapi', undefined, '');
  assert.equal(r.status, 200);
  const paths: Record<string, any> = r.body.paths;
  for (const m of mountPoints) assert.ok(Object.keys(paths).some((p) => p.startsWith(`/${m}`)), `OpenAPI has paths of ${m}`);
  // The sweep reads operations and field types from the document, so its shape is part of the contract (Vault's).
  assert.deepEqual(paths['/secret/metadata/{path}'].get.parameters, [{ name: 'list', in: 'query', description: 'Return a list if `true`', schema: { type: 'string' } }]);
  assert.equal(paths['/auth/robust-userpass/users'].get.parameters[0].required, true);
  const tokenCreate = paths['/auth/token/create'].post.requestBody.content['application/json'].schema.properties;
  assert.deepEqual([tokenCreate.ttl.type, tokenCreate.ttl.format, tokenCreate.policies.items], ['integer', 'seconds', { type: 'string' }]);
  assert.equal(paths['/auth/robust-userpass/login/{username}']['x-vault-unauthenticated'], true);
  assert.equal(paths['/auth/robust-userpass/login/{username}'].post.requestBody.content['application/json'].schema.properties.password['x-vault-sensitive'], true);
  assert.equal(paths['/sys/audit/{path}']['x-vault-sudo'], true);
  for (const apiPath of Object.keys(paths).sort()) {
    const item = paths[apiPath];
    const fields = fieldsOf(item.post?.requestBody?.content?.['application/json']?.schema ?? item.patch?.requestBody?.content?.['application/json']?.schema);
    const unauthenticated = Boolean(item['x-vault-unauthenticated']);
    const add = (op: Op) => operations.push({ apiPath, op, fields, unauthenticated });
    if (item.get) {
      const list = (item.get.parameters ?? []).find((p: any) => p.name === 'list');
      if (!list?.required) add('read');
      if (list) add('list');
    }
    if (item.post) add('update');
    if (item.patch) add('patch');
    if (item.delete) add('delete');
  }
  assert.ok(operations.length > 200, `${operations.length} operations`);
});

test('a default-policy token is refused wherever sys/capabilities-self grants it nothing', async () => {
  const created = await c.api('POST', 'auth/token/create', { policies: ['default'], ttl: '1h' });
  assert.equal(created.status, 200);
  const token: string = created.body.auth.client_token;
  // One capabilities-self call for every concrete path the sweep touches.
  const uniquePaths = [...new Set(operations.map((o) => concrete(o.apiPath).slice(4)))];
  const caps = await c.api('POST', 'sys/capabilities-self', { paths: uniquePaths }, token);
  assert.equal(caps.status, 200);
  const needed: Record<Op, string[]> = { read: ['read'], list: ['list'], update: ['create', 'update'], patch: ['patch'], delete: ['delete'] };
  for (const o of operations) {
    const path = concrete(o.apiPath);
    const granted: string[] = caps.body.data[path.slice(4)] ?? [];
    const allowedSome = needed[o.op].some((cap) => granted.includes(cap));
    const allowedAll = needed[o.op].every((cap) => granted.includes(cap));
    // Granted operations (revoke-self among them) run on a throwaway token so the sweep's token survives.
    const useToken = allowedSome ? (await c.api('POST', 'auth/token/create', { policies: ['default'], ttl: '10m' })).body.auth.client_token : token;
    const qs = o.op === 'list' ? '?list=true' : '';
    for (const body of o.op === 'update' || o.op === 'patch' ? [undefined, JSON.stringify({ robust_unknown: 1, token: MARKER, password: MARKER })] : [undefined]) {
      const s: Sent = { label: 'default policy', method: METHOD[o.op], path: path + qs, body, tokenKind: 'default-policy token', op: o.op };
      const r = await call(s, useToken, o.op === 'patch' ? { 'content-type': 'application/merge-patch+json' } : undefined);
      if (!allowedSome && !o.unauthenticated && r.status !== 403) {
        failures.push(`[expected 403: capabilities-self grants ${JSON.stringify(granted)}] ${s.method} ${s.path} → ${r.status} ${r.text.slice(0, 300)}`);
      }
      if (allowedAll && r.status === 403) {
        failures.push(`[403 although capabilities-self grants ${JSON.stringify(granted)}] ${s.method} ${s.path} → ${r.text.slice(0, 300)}`);
      }
    }
  }
  const still = await c.api('GET', 'auth/token/lookup-self', undefined, token);
  assert.equal(still.status, 200, 'the default-policy token survived the sweep');
  reportFailures('default-policy sweep');
});

interface Case { label: string; path: string; body?: string; headers?: Record<string, string> }

/** Every hostile request for one operation, in a fixed order. */
function casesFor(o: Operation, counter: { n: number }, baseline: Baseline): Case[] {
  const path = concrete(o.apiPath);
  const qs = o.op === 'list' ? '?list=true' : '';
  const out: Case[] = [];
  const writes = o.op === 'update' || o.op === 'patch';
  const json = (v: unknown) => JSON.stringify(v);
  // Hostile values ride on the mount's valid baseline, so each is the one thing wrong with its request.
  const base = Object.fromEntries(o.fields.filter((f) => baseline[f.name] !== undefined).map((f) => [f.name, baseline[f.name]]));
  const baseBody = writes ? json(base) : undefined;
  out.push({ label: 'no body', path: path + qs });
  // Response wrapping over every kind of answer, and wrap TTLs that make no sense.
  out.push({ label: 'wrapped (X-Vault-Wrap-TTL: 30s)', path: path + qs, body: baseBody, headers: { 'x-vault-wrap-ttl': '30s' } });
  out.push({ label: 'hostile X-Vault-Wrap-TTL', path: path + qs, body: baseBody, headers: { 'x-vault-wrap-ttl': WRAP_TTLS[counter.n % WRAP_TTLS.length]! } });
  if (hasParams(o.apiPath)) {
    out.push({ label: 'trailing slash', path: `${path}/${qs}` });
    for (const seg of SEGMENTS) out.push({ label: seg.label, path: concrete(o.apiPath, seg.value) + qs, body: writes ? '{}' : undefined });
  }
  if (writes) {
    const all = (v: (f: FieldSpec) => unknown) => json(Object.fromEntries(o.fields.map((f) => [f.name, v(f)])));
    out.push({ label: 'non-object JSON body', path, body: BAD_BODIES[counter.n % BAD_BODIES.length]! });
    out.push({ label: 'every field null', path, body: all(() => null) });
    out.push({ label: 'every field well-typed, secrets marked, negative numbers', path, body: all(plainValue) });
    out.push({
      label: 'unknown fields and prototype keys, secrets marked', path,
      body: `{"robust_unknown":{"a":[1,{"b":null}]},"__proto__":{"robustPolluted":true},"constructor":{"prototype":{"robustPolluted":true}},` +
        `${['password', 'secret_id', 'jwt', 'token', 'private_key', ...o.fields.filter((f) => f.sensitive).map((f) => f.name)].map((n) => `${json(n)}:${json(MARKER)}`).join(',')}}`,
    });
    // Nesting just inside the parser's limit reaches the handlers (into a map-like field when there is one); far past it, the parser.
    const mapLike = o.fields.filter((f) => f.type === 'object' || f.type === '').map((f) => f.name);
    for (const name of mapLike.length ? mapLike : ['robust_nested']) {
      out.push({ label: `nested 450 deep in ${name}`, path, body: json({ ...base, [name]: JSON.parse(nestedText(450)) }) });
    }
    out.push({ label: 'nested 20000 deep', path, body: `{"a":${nestedText(20000)}}` });
    const strings = o.fields.filter((f) => f.type === 'string' && !f.sensitive);
    const long = strings[counter.n % Math.max(strings.length, 1)];
    out.push({ label: `1 MiB string in ${long?.name ?? 'an unknown field'}`, path, body: json({ ...base, [long?.name ?? 'robust_long']: MIB_STRING }) });
    for (const f of o.fields) {
      for (const v of sampleValues(f, counter.n++)) out.push({ label: `field ${f.name} (${f.type || 'any'}${f.format ? `/${f.format}` : ''})`, path, body: json({ ...base, [f.name]: v }) });
    }
  } else {
    for (const f of o.fields) {
      const v = f.sensitive ? MARKER : QUERY_VALUES[counter.n++ % QUERY_VALUES.length]!;
      out.push({ label: `query ${f.name}`, path: `${path}${qs ? `${qs}&` : '?'}${encodeURIComponent(f.name)}=${encodeURIComponent(v)}` });
    }
    out.push({ label: 'unknown query parameter', path: `${path}${qs ? `${qs}&` : '?'}robust_unknown=%E2%98%83&token=${MARKER}` });
  }
  return out;
}

test('root token: hostile inputs on every path and operation never 5xx, hang, or echo a secret', async () => {
  failures.length = 0;
  sent = 0;
  await ok('POST', 'secret/data/robust-canary', { data: { kept: 'yes' } });
  const counter = { n: 0 };
  const seenPaths = new Set<string>();
  const setups = fixtures(c, (text) => failures.push(text));
  for (const o of operations) {
    if (SKIP_WITH_ROOT.has(`${o.op} ${o.apiPath}`)) continue;
    const baseline = (await setups.get(mountOf(o.apiPath))?.()) ?? {};
    const method = METHOD[o.op];
    const contentType = o.op === 'patch' ? { 'content-type': 'application/merge-patch+json' } : {};
    for (const k of casesFor(o, counter, baseline)) {
      await call({ label: k.label, method, path: k.path, body: k.body, tokenKind: 'root', op: o.op }, c.rootToken, { ...contentType, ...k.headers });
    }
    if (!seenPaths.has(o.apiPath)) {
      seenPaths.add(o.apiPath);
      const path = concrete(o.apiPath);
      // Verbs the path does not serve: LIST (where it does not list) and PATCH with a plain JSON body.
      if (!operations.some((x) => x.apiPath === o.apiPath && x.op === 'list')) {
        await call({ label: 'LIST on a non-list path', method: 'LIST', path, tokenKind: 'root', op: 'list' }, c.rootToken);
      }
      await call({ label: 'PATCH without merge-patch content type', method: 'PATCH', path, body: '{"a":1}', tokenKind: 'root', op: 'patch' }, c.rootToken);
      await call({ label: 'path help', method: 'GET', path: `${path}?help=1`, tokenKind: 'root', op: 'read' }, c.rootToken);
    }
  }
  reportFailures('root sweep');
});

/** Sends raw bytes and reads until the server closes (or the time bound passes). */
function rawExchange(bytes: string, thenAfter10ms?: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(c.addr);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const done = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    };
    socket.setTimeout(BOUND_MS, () => socket.destroy());
    socket.on('data', (c) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(bytes);
    if (thenAfter10ms !== undefined) setTimeout(() => socket.write(thenAfter10ms), 10);
  });
}

test('malformed HTTP is refused with a JSON errors array, not a bare status or a hang', async () => {
  const big = 'x'.repeat(20 * 1024);
  const cases: [string, string, number][] = [
    ['header block over the limit', `GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Big: ${big}\r\n\r\n`, 431],
    ['request line over the limit', `GET /v1/secret/data/${big} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['LIST whose head never ends', `LIST /v1/secret/metadata/ HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(70 * 1024)}`, 431],
    ['unknown HTTP version', 'GET /v1/sys/health HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['control bytes for a method', '\u0001\u0002 nonsense\r\n\r\n', 405],
    ['unknown method', 'BREW /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n', 405],
    ['header without a colon', 'GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400],
    ['broken chunked body', `POST /v1/secret/data/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${c.rootToken}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, 400],
  ];
  for (const [name, bytes, status] of cases) {
    const r = await rawExchange(bytes);
    assert.equal(r.status, status, `${name}: ${r.status} ${r.body.slice(0, 200)}`);
    assert.ok(JSON.parse(r.body).errors?.[0], `${name}: errors array in ${r.body.slice(0, 200)}`);
  }
  // A LIST whose head arrives in two writes is still one good request.
  const split = await rawExchange('LIST /v1/sys/policies/acl HTTP/1.1\r\n', `Host: x\r\nX-Vault-Token: ${c.rootToken}\r\n\r\n`);
  assert.equal(split.status, 200, split.body.slice(0, 200));
  assert.ok(JSON.parse(split.body).data.keys.includes('default'));
});

test('the server is intact after the sweep', async () => {
  assert.equal((await c.api('GET', 'auth/token/lookup-self')).status, 200, 'root token still valid');
  const canary = await c.api('GET', 'secret/data/robust-canary');
  assert.equal(canary.status, 200);
  assert.deepEqual(canary.body.data.data, { kept: 'yes' }, 'data written before the sweep is unchanged');
  assert.equal(({} as Record<string, unknown>).robustPolluted, undefined, 'no prototype pollution');
  assert.equal(c.core.sealed, false);
});
