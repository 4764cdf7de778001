/**
 * What reaches the disk: with the real SQLite storage, no secret value, root key, unseal key
 * or unseal key share may appear in the database file or its WAL, in any common encoding.
 * Then the file is reopened and unsealed with the keys, as after a restart.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Barrier } from '../../src/barrier/barrier.js';
import { combineShares, ShamirSeal } from '../../src/barrier/seal/shamir-seal.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'coffer-at-rest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The forms a secret could leak in: raw, hex (both cases), base64, and a long-enough fragment. */
function forms(label: string, secret: Uint8Array): [string, Buffer][] {
  const raw = Buffer.from(secret);
  return [
    [`${label} (raw)`, raw],
    [`${label} (raw, first 12 bytes)`, raw.subarray(0, 12)],
    [`${label} (hex)`, Buffer.from(raw.toString('hex'))],
    [`${label} (HEX)`, Buffer.from(raw.toString('hex').toUpperCase())],
    [`${label} (base64)`, Buffer.from(raw.toString('base64'))],
    [`${label} (base64url)`, Buffer.from(raw.toString('base64url'))],
  ];
}

function assertAbsent(file: string, needles: [string, Buffer][]): void {
  const content = readFileSync(file);
  for (const [label, needle] of needles) assert.ok(!content.includes(needle), `${label} found in ${file}`);
}

test('secrets, root key and unseal keys never reach the SQLite file or its WAL; reopen and unseal', async () => {
  const path = join(dir, 'coffer.db');
  const secretText = `s3cr3t-value-${randomBytes(12).toString('hex')}`;
  const secret = new TextEncoder().encode(JSON.stringify({ data: { password: secretText } }));
  const bigSecret = new Uint8Array(randomBytes(200_000));

  const physical = new SqliteStorage(path);
  const seal = new ShamirSeal(physical);
  const { keys, rootKey } = await seal.initialize(5, 3);
  const barrier = new Barrier(physical);
  await barrier.initialize(rootKey);
  for (const k of keys.slice(0, 3)) {
    const r = await seal.submitKey(k);
    if (r.done) await barrier.unseal(r.rootKey);
  }
  assert.equal(barrier.sealed, false);
  await barrier.put('logical/1234/secret/app', secret);
  await barrier.transaction([{ op: 'put', key: 'logical/1234/secret/big', value: bigSecret }]);
  await barrier.rotate();
  await barrier.put('logical/1234/secret/after-rotate', secret);

  const unsealKey = await combineShares(keys.slice(0, 3));
  const needles: [string, Buffer][] = [
    ...forms('secret', new TextEncoder().encode(secretText)),
    ...forms('big secret', bigSecret.subarray(1000, 1064)),
    ...forms('root key', rootKey),
    ...forms('unseal key', unsealKey),
    ...keys.flatMap((k, i) => forms(`unseal key share ${i + 1}`, k)),
  ];

  // While open, the writes sit in the WAL: check it is there and holds something.
  const wal = `${path}-wal`;
  assert.ok(existsSync(wal) && statSync(wal).size > 0, 'the WAL holds the recent writes');
  assert.ok(readFileSync(wal).includes(Buffer.from('logical/1234/secret/app')), 'keys are in clear, so this scan sees real pages');
  assertAbsent(wal, needles);
  assertAbsent(path, needles);
  // The seal configuration is the one thing in clear.
  assert.ok(Buffer.concat([readFileSync(path), readFileSync(wal)]).includes(Buffer.from('"secret_threshold":3')));

  await barrier.close();
  // Closing checkpoints the WAL into the main file: scan that too.
  assertAbsent(path, needles);
  if (existsSync(wal)) assertAbsent(wal, needles);

  // Restart: a new process would start here, with only the file and the unseal keys.
  const physical2 = new SqliteStorage(path);
  const seal2 = new ShamirSeal(physical2);
  const barrier2 = new Barrier(physical2);
  assert.equal(await barrier2.initialized(), true);
  assert.deepEqual(await seal2.config(), { type: 'shamir', secret_shares: 5, secret_threshold: 3 });
  await assert.rejects(barrier2.get('logical/1234/secret/app'), { message: 'Vault is sealed' });
  let done = false;
  for (const k of [keys[4]!, keys[1]!, keys[3]!]) {
    const r = await seal2.submitKey(k);
    if (r.done) {
      await barrier2.unseal(r.rootKey);
      done = true;
    }
  }
  assert.ok(done);
  assert.equal(JSON.parse(Buffer.from((await barrier2.get('logical/1234/secret/app'))!).toString()).data.password, secretText);
  assert.ok(Buffer.from((await barrier2.get('logical/1234/secret/big'))!).equals(Buffer.from(bigSecret)));
  assert.equal(JSON.parse(Buffer.from((await barrier2.get('logical/1234/secret/after-rotate'))!).toString()).data.password, secretText);
  assert.equal(barrier2.keyStatus().term, 2);
  assert.deepEqual(await barrier2.list('logical/1234/secret/'), ['after-rotate', 'app', 'big']);
  await barrier2.close();
});
