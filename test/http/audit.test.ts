/** Issue 4, audit devices over real HTTP: content and HMACs, options, devices that cannot record, SIGHUP. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCoffer, type TestCoffer } from '../support/server.js';
import { waitFor } from './lease-fixture.js';

let c: TestCoffer;
let dir: string;

before(async () => {
  c = await startCoffer();
  dir = mkdtempSync(join(tmpdir(), 'coffer-audit-'));
});
after(async () => {
  await c.stop();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

async function enable(path: string, type: string, options: Record<string, unknown>): Promise<void> {
  const r = await c.api('PUT', `sys/audit/${path}`, { type, options });
  assert.equal(r.status, 204, JSON.stringify(r.body));
}

test('a file device records request and response; the HMAC of a known secret matches sys/audit-hash', async () => {
  const file = join(dir, 'audit.log');
  await enable('file', 'file', { file_path: file });
  let r = await c.api('GET', 'sys/audit');
  assert.deepEqual(r.body.data['file/'], { type: 'file', description: '', options: { file_path: file }, local: false, path: 'file/' });
  r = await c.api('POST', 'secret/data/audited', { data: { password: 'correct horse battery staple' } });
  assert.equal(r.status, 200);
  const entries = lines(file).filter((e) => e.request?.path === 'secret/data/audited');
  assert.deepEqual(entries.map((e) => e.type), ['request', 'response']);
  const [reqE, respE] = entries;
  assert.doesNotMatch(readFileSync(file, 'utf8'), /correct horse|hvs\./, 'no secret or token in clear');
  const hash = await c.api('PUT', 'sys/audit-hash/file', { input: 'correct horse battery staple' });
  assert.match(hash.body.data.hash, /^hmac-sha256:[0-9a-f]{64}$/);
  assert.equal(reqE.request.data.data.password, hash.body.data.hash);
  const tok = await c.api('PUT', 'sys/audit-hash/file', { input: c.rootToken });
  assert.equal(reqE.request.client_token, tok.body.data.hash);
  assert.equal(reqE.auth.client_token, tok.body.data.hash);
  assert.deepEqual(reqE.auth.policies, ['root']);
  assert.equal(reqE.request.operation, 'create');
  assert.equal(reqE.request.mount_type, 'kv');
  assert.deepEqual(reqE.request.namespace, { id: 'root' });
  assert.equal(respE.response.mount_point, 'secret/');
  assert.equal(typeof respE.response.data.version, 'number', 'numbers stay numbers');
  assert.match(respE.time, /^\d{4}-\d\d-\d\dT/);
  // Refused requests are recorded with their error.
  r = await c.api('GET', 'secret/data/audited', undefined, 'hvs.not-a-token');
  assert.equal(r.status, 403);
  const denied = lines(file).filter((e) => e.error === 'permission denied');
  assert.deepEqual(denied.map((e) => e.type), ['request', 'response']);
  assert.equal((await c.api('PUT', 'sys/audit-hash/nope', { input: 'x' })).status, 400);
  assert.equal((await c.api('PUT', 'sys/audit-hash/file', {})).body.errors[0], 'the "input" parameter is empty');
  await c.api('DELETE', 'sys/audit/file');
  assert.deepEqual((await c.api('GET', 'sys/audit')).body.data, {});
});

test('options: log_raw, hmac_accessor=false, prefix, jsonx, mode, non-HMAC response keys', async () => {
  const raw = join(dir, 'raw.log');
  const xml = join(dir, 'x.log');
  await enable('raw', 'file', { file_path: raw, log_raw: true, hmac_accessor: false, prefix: 'COFFER ', mode: '0640' });
  await enable('x', 'file', { file_path: xml, format: 'jsonx' });
  assert.equal((await c.api('POST', 'sys/mounts/kv1', { type: 'kv', options: { version: '1' } })).status, 204);
  assert.equal((await c.api('POST', 'sys/mounts/kv1/tune', { audit_non_hmac_response_keys: ['username'] })).status, 204);
  await c.api('POST', 'kv1/app', { username: 'svc', password: 'pw-123' });
  const read = await c.api('GET', 'kv1/app');
  assert.equal(read.body.data.password, 'pw-123');
  const text = readFileSync(raw, 'utf8');
  assert.ok(text.split('\n').filter(Boolean).every((l) => l.startsWith('COFFER {')));
  assert.match(text, /"password":"pw-123"/, 'log_raw writes values in clear');
  assert.equal(statSync(raw).mode & 0o777, 0o640);
  const x = readFileSync(xml, 'utf8');
  assert.match(x, /^<\?xml version="1.0" encoding="UTF-8"\?><json:object /m);
  assert.match(x, /<json:string name="username">svc<\/json:string>/, 'the mount keeps username in clear in responses');
  assert.doesNotMatch(x, /pw-123/);
  await c.api('DELETE', 'sys/audit/raw');
  await c.api('DELETE', 'sys/audit/x');
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ type: 'file', options: {} }, /file_path is required/],
    [{ type: 'file', options: { file_path: '/proc/coffer-nope/audit.log' } }, /sanity check failed; unable to open/],
    [{ type: 'file', options: { file_path: join(dir, 'y.log'), format: 'xml' } }, /unknown format type "xml"/],
    [{ type: 'carrier-pigeon', options: {} }, /unknown backend type: "carrier-pigeon"/],
    [{ type: 'socket', options: {} }, /address is required/],
  ];
  for (const [body, msg] of bad) {
    const r = await c.api('PUT', 'sys/audit/bad', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body.errors[0], msg);
  }
  assert.deepEqual((await c.api('GET', 'sys/audit')).body.data, {});
});

test('a device that cannot record fails the request with a 500 naming it; one working device is enough', async () => {
  if (!existsSync('/dev/full')) return;
  // /dev/full accepts the open and refuses every write: a disk that is full. Even the
  // enable's own response cannot be recorded, so it already answers 500 (the device stays).
  let r = await c.api('PUT', 'sys/audit/full', { type: 'file', options: { file_path: '/dev/full', mode: '0000' } });
  assert.equal(r.status, 500);
  r = await c.api('GET', 'sys/mounts');
  assert.equal(r.status, 500);
  assert.match(r.body.errors[0], /no audit device could record the request: full\/: .*ENOSPC/);
  assert.doesNotMatch(r.body.errors[0], /hvs\./);
  const ok = join(dir, 'ok.log');
  await c.api('DELETE', 'sys/audit/full').then((x) => assert.equal(x.status, 500), () => undefined);
  // Recovery path: the operator adds a working device through a root-only direct call, then removes the broken one.
  const broker = c.core.services.audit as import('../../src/core/audit/broker.js').AuditBroker;
  await broker.enable('ok', 'file', '', { file_path: ok }, false);
  r = await c.api('GET', 'sys/mounts');
  assert.equal(r.status, 200, 'one device recorded it');
  assert.equal((await c.api('DELETE', 'sys/audit/full')).status, 204);
  assert.equal((await c.api('DELETE', 'sys/audit/ok')).status, 204);
});

test('a file whose directory disappears fails requests until it can be written again; SIGHUP reopens for rotation', async () => {
  const sub = join(dir, 'rot');
  const file = join(sub, 'audit.log');
  await enable('rot', 'file', { file_path: file });
  await c.api('GET', 'sys/health');
  await c.api('GET', 'sys/mounts');
  // Rotation: move the log away, SIGHUP, new entries go to a fresh file.
  renameSync(file, `${file}.1`);
  process.kill(process.pid, 'SIGHUP');
  await waitFor('reopened', () => existsSync(file));
  await c.api('GET', 'sys/mounts');
  assert.ok(lines(file).some((e) => e.request?.path === 'sys/mounts'));
  // The directory turns into a file: nothing can be written, requests fail.
  rmSync(sub, { recursive: true });
  writeFileSync(sub, 'not a directory');
  process.kill(process.pid, 'SIGHUP');
  await new Promise((res) => setTimeout(res, 50));
  let r = await c.api('GET', 'sys/mounts');
  assert.equal(r.status, 500);
  assert.match(r.body.errors[0], /rot\//);
  // The disk "comes back".
  rmSync(sub);
  mkdirSync(sub);
  r = await c.api('GET', 'sys/mounts');
  assert.equal(r.status, 200);
  assert.ok(lines(file).some((e) => e.type === 'response'));
  assert.equal((await c.api('DELETE', 'sys/audit/rot')).status, 204);
});

test('socket (tcp) and syslog devices deliver entries', async () => {
  const received: string[] = [];
  const server = createServer((s) => s.on('data', (d) => received.push(d.toString())));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const udp = createSocket('udp4');
  const datagrams: string[] = [];
  udp.on('message', (m) => datagrams.push(m.toString()));
  await new Promise<void>((res) => udp.bind(0, '127.0.0.1', res));
  try {
    await enable('sock', 'socket', { address: `127.0.0.1:${(server.address() as AddressInfo).port}` });
    await enable('sys', 'syslog', { address: `127.0.0.1:${udp.address().port}`, facility: 'LOCAL0', tag: 'coffer' });
    await c.api('POST', 'secret/data/via-socket', { data: { k: 'v' } });
    await waitFor('tcp entries', () => received.join('').includes('secret/data/via-socket'));
    const tcpEntries = received.join('').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(tcpEntries.some((e) => e.type === 'response' && e.request.path === 'secret/data/via-socket'));
    await waitFor('syslog datagrams', () => datagrams.some((d) => d.includes('secret/data/via-socket')));
    // LOCAL0 (16) * 8 + info (6) = 134
    assert.match(datagrams.find((d) => d.includes('via-socket'))!, /^<134>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d coffer\[\d+\]: \{"time":/);
  } finally {
    await c.api('DELETE', 'sys/audit/sock');
    await c.api('DELETE', 'sys/audit/sys');
    server.close();
    udp.close();
  }
});

test('PKI: an issued serial is in the audit response entry, HMAC\'d by default as Vault does, in clear once the mount says so', async () => {
  const file = join(dir, 'pki.log');
  await enable('pki-log', 'file', { file_path: file });
  try {
    assert.equal((await c.api('POST', 'sys/mounts/pki', { type: 'pki' })).status, 204);
    let r = await c.api('POST', 'pki/root/generate/internal', { common_name: 'Audit Root', key_type: 'ec', key_bits: 256, ttl: '24h' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    r = await c.api('POST', 'pki/roles/web', { allow_any_name: true, key_type: 'ec', key_bits: 256, max_ttl: '1h' });
    assert.ok(r.status < 300, JSON.stringify(r.body));
    const issue = async () => {
      const x = await c.api('POST', 'pki/issue/web', { common_name: 'app.example.com', ttl: '10m' });
      assert.equal(x.status, 200, JSON.stringify(x.body));
      return x.body.data.serial_number as string;
    };
    const entryFor = (serialField: string) => lines(file).find((e) => e.type === 'response' && e.request?.path === 'pki/issue/web' && e.response?.data?.serial_number === serialField);
    const serial = await issue();
    const hashed = (await c.api('PUT', 'sys/audit-hash/pki-log', { input: serial })).body.data.hash;
    assert.ok(entryFor(hashed), 'serial_number is HMAC\'d by default');
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(serial));
    assert.equal((await c.api('POST', 'sys/mounts/pki/tune', { audit_non_hmac_response_keys: ['serial_number'] })).status, 204);
    const clear = await issue();
    const e = entryFor(clear);
    assert.ok(e, 'serial_number in clear after tuning audit_non_hmac_response_keys');
    assert.match(e.response.data.private_key, /^hmac-sha256:/, 'the private key never is');
  } finally {
    await c.api('DELETE', 'sys/audit/pki-log');
  }
});
