import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decrypt, encrypt } from '../../src/barrier/aead.js';

test('every encryption gets its own nonce, across many refills of the nonce block', () => {
  const key = randomBytes(32);
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const blob = encrypt(key, 1, Buffer.from('same value'), 'k');
    const nonce = blob.subarray(5, 17).toString('hex');
    assert.ok(!seen.has(nonce), `nonce reused at encryption ${i}`);
    seen.add(nonce);
    if (i % 997 === 0) assert.equal(decrypt(key, blob, 'k').toString(), 'same value');
  }
});

test('a value moved to another key does not decrypt', () => {
  const key = randomBytes(32);
  const blob = encrypt(key, 1, Buffer.from('v'), 'a');
  assert.throws(() => decrypt(key, blob, 'b'), /message authentication failed/);
});
