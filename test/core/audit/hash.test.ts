import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestEntry, responseEntry } from '../../../src/core/audit/entry.js';
import { AuditSalt, hashStructure, isTimestamp } from '../../../src/core/audit/hash.js';
import { toJSONx } from '../../../src/core/audit/jsonx.js';
import type { TokenEntry } from '../../../src/core/tokens/token-entry.js';
import type { Request } from '../../../src/framework/types.js';

test('HMAC-SHA256 keyed with the salt string (RFC 4231 case 2), behind hmac-sha256:', () => {
  const s = new AuditSalt('Jefe');
  assert.equal(s.hmac('what do ya want for nothing?'), 'hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.notEqual(new AuditSalt('other').hmac('x'), s.hmac('x'), 'each device has its own salt');
});

test('hashStructure: strings at any depth, not keys, numbers, booleans, nulls or timestamps; ignored keys stay', () => {
  const h = (v: string) => `H(${v})`;
  const input = {
    password: 'p', n: 3, ok: true, none: null, when: '2024-05-01T10:00:00Z', nearly: '2024-05-01 10:00',
    nested: { list: ['a', 1, { deep: 'b' }], serial_number: '1a:2b' },
    serial_number: '3c:4d',
    keep: ['x', 'y'],
  };
  assert.deepEqual(hashStructure(input, h, ['serial_number', 'keep']), {
    password: 'H(p)', n: 3, ok: true, none: null, when: '2024-05-01T10:00:00Z', nearly: 'H(2024-05-01 10:00)',
    nested: { list: ['H(a)', 1, { deep: 'H(b)' }], serial_number: '1a:2b' },
    serial_number: '3c:4d',
    keep: ['x', 'y'],
  });
  assert.equal(input.password, 'p', 'the input is not modified');
  for (const [s, want] of [['2024-05-01T10:00:00.123456789Z', true], ['2024-05-01T10:00:00+02:00', true], ['2024-13-01T10:00:00Z', false], ['hello', false]] as const) {
    assert.equal(isTimestamp(s), want, s);
  }
});

const token: TokenEntry = {
  id: 'hvs.secret-token', accessor: 'acc123', parent: '', policies: ['default', 'dev'], path: 'auth/token/create', meta: { team: 'a' },
  display_name: 'token', num_uses: 0, creation_time: 1700000000, ttl: 3600, expire_time: 1700003600, explicit_max_ttl: 0, period: 0,
  renewable: true, type: 'service', entity_id: '', bound_cidrs: [], role: '',
};
const req: Request = {
  id: 'req-1', operation: 'update', fullPath: 'secret/data/app', path: 'data/app', data: { data: { password: 'hunter2' } }, query: {}, headers: {},
  clientToken: 'hvs.secret-token', mountPoint: 'secret/', mountType: 'kv', mountAccessor: 'kv_1', remoteAddr: '::ffff:127.0.0.1',
};
const salt = new AuditSalt('salt');
const cfg = { raw: false, hmacAccessor: true, elideListResponses: false };
const now = new Date('2026-01-02T03:04:05.678Z');

test('request entry: Vault\'s shape with omitempty, secrets and accessors HMAC\'d', () => {
  const e = requestEntry({ req, token }, cfg, salt, now);
  assert.deepEqual(e, {
    time: '2026-01-02T03:04:05.678Z',
    type: 'request',
    auth: {
      client_token: salt.hmac('hvs.secret-token'), accessor: salt.hmac('acc123'), display_name: 'token', policies: ['default', 'dev'],
      token_policies: ['default', 'dev'], metadata: { team: 'a' }, token_type: 'service', token_ttl: 3600, token_issue_time: '2023-11-14T22:13:20Z',
    },
    request: {
      id: 'req-1', operation: 'update', mount_point: 'secret/', mount_type: 'kv', mount_accessor: 'kv_1',
      client_token: salt.hmac('hvs.secret-token'), client_token_accessor: salt.hmac('acc123'), namespace: { id: 'root' },
      path: 'secret/data/app', data: { data: { password: salt.hmac('hunter2') } }, remote_address: '127.0.0.1',
    },
  });
});

test('log_raw keeps everything in clear; hmac_accessor=false keeps only accessors in clear', () => {
  const raw = requestEntry({ req, token }, { ...cfg, raw: true }, salt, now) as any;
  assert.equal(raw.request.data.data.password, 'hunter2');
  assert.equal(raw.auth.client_token, 'hvs.secret-token');
  const acc = requestEntry({ req, token }, { ...cfg, hmacAccessor: false }, salt, now) as any;
  assert.equal(acc.auth.accessor, 'acc123');
  assert.equal(acc.request.client_token, salt.hmac('hvs.secret-token'));
});

test('response entry: lease id in clear, data HMAC\'d except the mount\'s non-HMAC keys, errors', () => {
  const e = responseEntry({
    req, token, resp: { data: { serial_number: '1a:2b', certificate: 'PEM', ttl: 60 }, leaseId: 'pki/issue/r/abc', warnings: ['w'] },
    nonHmacResponseKeys: ['serial_number'],
  }, cfg, salt, now) as any;
  assert.deepEqual(e.response, {
    mount_point: 'secret/', mount_type: 'kv', mount_accessor: 'kv_1', secret: { lease_id: 'pki/issue/r/abc' },
    data: { serial_number: '1a:2b', certificate: salt.hmac('PEM'), ttl: 60 }, warnings: ['w'],
  });
  const failed = responseEntry({ req, error: Object.assign(new Error('secret stuff'), {}) }, cfg, salt, now) as any;
  assert.equal(failed.error, 'internal error', 'unexpected errors are not copied into the log');
  assert.deepEqual(failed.auth, { token_type: 'default' });
});

test('JSONx rendering', () => {
  assert.equal(
    toJSONx({ a: 'x<y', n: 1, b: true, z: null, l: ['q'], o: {} }),
    '<?xml version="1.0" encoding="UTF-8"?><json:object xsi:schemaLocation="http://www.datapower.com/schemas/json jsonx.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:json="http://www.ibm.com/xmlns/prod/2009/jsonx">'
    + '<json:string name="a">x&lt;y</json:string><json:number name="n">1</json:number><json:boolean name="b">true</json:boolean>'
    + '<json:null name="z"/><json:array name="l"><json:string>q</json:string></json:array><json:object name="o"></json:object></json:object>',
  );
});
