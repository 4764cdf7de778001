import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestQuota, type QuotaBase } from '../../../src/core/quotas/quota-manager.js';
import { RateLimiter } from '../../../src/core/quotas/rate-limiter.js';

test('rate limiter: round(rate) per interval per client, window from the first request', () => {
  let now = 0;
  const rl = new RateLimiter(2.6, 10_000, 0, () => now);
  const take = (c = 'a') => rl.take(c);
  assert.deepEqual([take().allowed, take().allowed, take().allowed, take().allowed], [true, true, true, false]);
  assert.equal(take('b').allowed, true, 'clients are counted apart');
  now = 4000;
  const denied = take();
  assert.deepEqual([denied.allowed, denied.remaining, denied.resetSec], [false, 0, 6]);
  now = 10_000;
  assert.equal(take().allowed, true, 'a new window');
  assert.equal(take().remaining, 1);
});

test('rate limiter: block_interval shuts an offender out, then lets it back', () => {
  let now = 0;
  const rl = new RateLimiter(1, 1000, 30_000, () => now);
  assert.equal(rl.take('x').allowed, true);
  const over = rl.take('x');
  assert.deepEqual([over.allowed, over.resetSec], [false, 30]);
  now = 5000;
  const still = rl.take('x');
  assert.deepEqual([still.allowed, still.resetSec], [false, 25]);
  now = 30_001;
  assert.equal(rl.take('x').allowed, true);
});

test('the most specific quota wins: path below the mount, role, mount, global', () => {
  const q = (name: string, mount_path: string, path_suffix = '', role = ''): QuotaBase => ({ name, mount_path, path_suffix, role, inheritable: false });
  const all = [q('global', ''), q('mount', 'auth/approle/'), q('role', 'auth/approle/', '', 'ci'), q('login', 'auth/approle/', 'login'), q('deeper', 'auth/approle/', 'login/x'), q('other', 'secret/')];
  const pick = (mount: string, path: string, role = '') => bestQuota(all, mount, path, role)?.name;
  assert.equal(pick('auth/approle/', 'login', 'ci'), 'login');
  assert.equal(pick('auth/approle/', 'login/x/y'), 'deeper');
  assert.equal(pick('auth/approle/', 'role/ci', 'ci'), 'role');
  assert.equal(pick('auth/approle/', 'role/ci'), 'mount');
  assert.equal(pick('kv/', 'x'), 'global');
  assert.equal(bestQuota([q('other', 'secret/')], 'kv/', 'x', ''), undefined);
});
