/** config/auto-tidy: Vault's checks and shape, and tidy runs that start by themselves on schedule. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRoot, newPki } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('config/auto-tidy: defaults, Vault\'s refusals (nothing stored), and the saved config as Vault shows it', async () => {
  const pki = await newPki();
  const defaults = await pki.ok('read', 'config/auto-tidy');
  assert.equal(defaults.enabled, false);
  assert.equal(defaults.interval_duration, 12 * 3600);
  assert.equal(defaults.safety_buffer, 72 * 3600);
  assert.equal(defaults.issuer_safety_buffer, 365 * 24 * 3600);
  assert.equal(defaults.pause_duration, '0s');
  assert.equal(defaults.tidy_cert_store, false);

  assert.match(await pki.fails('update', 'config/auto-tidy', { enabled: true }), /^Auto-tidy enabled but no tidy operations were requested\. Enable at least one tidy operation/);
  assert.equal(await pki.fails('update', 'config/auto-tidy', { tidy_cert_store: true, safety_buffer: 0 }), 'given safety_buffer must be at least one second; got: 0');
  assert.equal(await pki.fails('update', 'config/auto-tidy', { tidy_expired_issuers: true, issuer_safety_buffer: '0s' }), 'given issuer_safety_buffer must be at least one second; got: 0');
  assert.match(await pki.fails('update', 'config/auto-tidy', { publish_stored_certificate_count_metrics: true }), /^Can not publish a running storage metrics count to metrics without first maintaining that count/);
  assert.match(await pki.fails('update', 'config/auto-tidy', { interval_duration: '-1h' }), /interval_duration/);
  assert.deepEqual(await pki.ok('read', 'config/auto-tidy'), defaults, 'a refused update stores nothing');

  const saved = await pki.ok('update', 'config/auto-tidy', { enabled: true, tidy_cert_store: true, interval_duration: '1h', safety_buffer: '2h', pause_duration: '90s' });
  assert.equal(saved.enabled, true);
  assert.equal(saved.interval_duration, 3600);
  assert.equal(saved.safety_buffer, 7200);
  assert.equal(saved.pause_duration, '1m30s');
  assert.equal(saved.tidy_revoked_certs, false);
  assert.deepEqual(await pki.ok('read', 'config/auto-tidy'), saved);

  const partial = await pki.ok('update', 'config/auto-tidy', { tidy_revoked_certs: true });
  assert.equal(partial.tidy_cert_store, true, 'fields not given keep their stored value');
  assert.equal(partial.safety_buffer, 7200);
  assert.equal(partial.tidy_revoked_certs, true);
});

test('auto-tidy runs by itself once interval_duration has passed, removes what expired beyond the safety buffer, and waits a full interval before the next run', async () => {
  const pki = await newPki({ periodicMs: 20 });
  try {
    await makeRoot(pki);
    await pki.ok('update', 'roles/r', { allow_any_name: true, key_type: 'ec' });
    const keep = await pki.ok('update', 'issue/r', { common_name: 'keep', ttl: '10h' });
    const old = await pki.ok('update', 'issue/r', { common_name: 'old', ttl: '1h' });
    await pki.ok('update', 'config/auto-tidy', { enabled: true, tidy_cert_store: true, interval_duration: '1h', safety_buffer: '1h' });
    const certs = async () => (await pki.ok('list', 'certs')).keys as string[];
    const status = () => pki.ok('read', 'tidy-status');

    await sleep(150);
    assert.equal((await status()).state, 'Inactive', 'the interval counts from the mount start: no run yet');
    assert.ok((await certs()).includes(old.serial_number));

    pki.clock.offset = 3 * 3600e3;
    for (let i = 0; i < 200 && (await status()).last_auto_tidy_finished === null; i++) await sleep(10);
    const first = await status();
    assert.equal(first.state, 'Finished');
    assert.notEqual(first.last_auto_tidy_finished, null);
    assert.equal(first.cert_store_deleted_count, 1);
    assert.equal(first.safety_buffer, 3600);
    const left = await certs();
    assert.ok(left.includes(keep.serial_number));
    assert.ok(!left.includes(old.serial_number), 'expired 2h ago with a 1h safety buffer: tidied');

    await sleep(150);
    assert.equal((await status()).time_started, first.time_started, 'no second run within the interval');

    pki.clock.offset += 2 * 3600e3;
    for (let i = 0; i < 200 && (await status()).time_started === first.time_started; i++) await sleep(10);
    assert.notEqual((await status()).time_started, first.time_started, 'the next run came once the interval had passed');

    await pki.ok('update', 'config/auto-tidy', { enabled: false });
    for (let i = 0; i < 200 && (await status()).state === 'Running'; i++) await sleep(10);
    const stopped = await status();
    pki.clock.offset += 5 * 3600e3;
    await sleep(150);
    assert.equal((await status()).time_started, stopped.time_started, 'disabled: no more runs');
  } finally {
    await pki.backend.def.cleanup?.();
  }
});
