import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { prefixEnd, SqliteStorage } from '../../src/storage/sqlite.js';
import { runStorageConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `db${++n}`, 'coffer.db');
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

runStorageConformance('sqlite', async () => new SqliteStorage(freshPath()));

describe('SqliteStorage', () => {
  test('writes survive close and reopen', async () => {
    const path = freshPath();
    const s1 = new SqliteStorage(path);
    await s1.put('d/one', bytes('1'));
    await s1.put('d/two', new Uint8Array([0, 0, 7]));
    await s1.transaction([{ op: 'put', key: 'd/three', value: bytes('3') }, { op: 'delete', key: 'd/one' }]);
    await s1.close();
    await s1.close(); // closing twice is harmless

    const s2 = new SqliteStorage(path);
    assert.equal(await s2.get('d/one'), undefined);
    assert.deepEqual([...(await s2.get('d/two'))!], [0, 0, 7]);
    assert.equal(text(await s2.get('d/three')), '3');
    assert.deepEqual(await s2.list('d/'), ['three', 'two']);
    await s2.close();
  });

  test('an acknowledged write is in the WAL before close (another connection sees it)', async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    await s.put('visible/now', bytes('yes'));
    const other = new Database(path, { readonly: true });
    try {
      assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
      const row = other.prepare('SELECT value FROM kv WHERE key = ?').pluck().get('visible/now') as Buffer;
      assert.equal(row.toString(), 'yes');
    } finally {
      other.close();
      await s.close();
    }
  });

  test('creates missing parent directories, and the file is private to its owner', async () => {
    const path = join(root, 'deep', 'er', 'still', 'coffer.db');
    const s = new SqliteStorage(path);
    await s.put('k', bytes('v'));
    await s.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  test('a mid-transaction failure rolls back every earlier op', async () => {
    const s = new SqliteStorage(freshPath());
    await s.put('rb/keep', bytes('before'));
    // Passes validation, then throws when the storage reads its bytes: a failure halfway
    // through the SQL transaction, after the first put has run.
    const poisoned = new Uint8Array(4);
    Object.defineProperty(poisoned, 'buffer', { get() { throw new Error('disk on fire'); } });
    await assert.rejects(
      s.transaction([
        { op: 'put', key: 'rb/keep', value: bytes('after') },
        { op: 'put', key: 'rb/new', value: bytes('new') },
        { op: 'put', key: 'rb/poison', value: poisoned },
      ]),
      /disk on fire/,
    );
    assert.equal(text(await s.get('rb/keep')), 'before');
    assert.equal(await s.get('rb/new'), undefined);
    assert.deepEqual(await s.list('rb/'), ['keep']);
    await s.close();
  });

  const unopenable: [string, () => string][] = [
    ['a directory', () => { const p = join(root, 'is-a-dir'); mkdirSync(p, { recursive: true }); return p; }],
    ['a file that is not a database', () => { const p = join(root, 'not-a-db'); writeFileSync(p, 'hello, this is not sqlite '.repeat(100)); return p; }],
    ['below a regular file', () => { const f = join(root, 'plain-file'); writeFileSync(f, 'x'); return join(f, 'sub', 'coffer.db'); }],
  ];
  for (const [label, make] of unopenable) {
    test(`a clear error when the path is ${label}`, () => {
      const path = make();
      assert.throws(() => new SqliteStorage(path), (e: Error) => {
        assert.match(e.message, /^storage "sqlite": cannot open "/);
        assert.ok(e.message.includes(path), e.message);
        return true;
      });
    });
  }

  test('list on a big folder visits it once (a million-key subtree is not scanned)', async () => {
    const s = new SqliteStorage(freshPath());
    const ops = Array.from({ length: 50_000 }, (_, i) => ({ op: 'put' as const, key: `big/sub/${i}`, value: new Uint8Array(1) }));
    await s.transaction([...ops, { op: 'put', key: 'big/leaf', value: new Uint8Array(1) }]);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) assert.deepEqual(await s.list('big/'), ['leaf', 'sub/']);
    const perList = Number(process.hrtime.bigint() - t0) / 20 / 1e6;
    // Scanning 50k index entries takes several ms; jumping past the folder takes microseconds.
    assert.ok(perList < 2, `list took ${perList.toFixed(3)} ms`);
    await s.close();
  });
});

describe('prefixEnd', () => {
  const cases: [string, string | undefined][] = [
    ['', undefined],
    ['a/', 'a0'],
    ['secret/', 'secret0'],
    ['ab', 'ac'],
    ['\uffff', '\u{10000}'],
    ['x\u{10ffff}', 'y'],
    ['\u{10ffff}', undefined],
    ['\ud7ff', '\ue000'],
    ['🔑', '\u{1f512}'],
  ];
  for (const [prefix, end] of cases) {
    test(`${JSON.stringify(prefix)} → ${JSON.stringify(end)}`, () => assert.equal(prefixEnd(prefix), end));
  }
});
