import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

/** Makes SQLite itself refuse any write of `key` (a real failure inside the writer's transaction). */
function poison(path: string, key: string): void {
  const other = new Database(path);
  other.exec(`CREATE TRIGGER poison BEFORE INSERT ON kv WHEN NEW.key = '${key}' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
  other.close();
}

runStorageConformance('sqlite', async () => new SqliteStorage(freshPath()));
runStorageConformance('sqlite :memory:', async () => new SqliteStorage(':memory:'));

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

  test('a failure inside SQLite mid-transaction rolls back every earlier op', async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    await s.put('rb/keep', bytes('before'));
    poison(path, 'rb/poison');
    // The third op fails in the writer's SQL transaction, after the first two have run.
    await assert.rejects(
      s.transaction([
        { op: 'put', key: 'rb/keep', value: bytes('after') },
        { op: 'put', key: 'rb/new', value: bytes('new') },
        { op: 'put', key: 'rb/poison', value: bytes('x') },
      ]),
      (e: Error & { code?: string }) => e.message === 'disk on fire' && e.code === 'SQLITE_CONSTRAINT_TRIGGER',
    );
    assert.equal(text(await s.get('rb/keep')), 'before');
    assert.equal(await s.get('rb/new'), undefined);
    assert.deepEqual(await s.list('rb/'), ['keep']);
    await s.close();
  });

  test('writes submitted together share a commit; a failing one fails alone', async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    poison(path, 'grp/poison');
    await s.put('grp/warm', bytes('up'));
    const before = s.writeStats();
    const good = Array.from({ length: 30 }, (_, i) => s.put(`grp/k${i}`, bytes(`v${i}`)));
    const bad = s.transaction([{ op: 'put', key: 'grp/half', value: bytes('h') }, { op: 'put', key: 'grp/poison', value: bytes('p') }]);
    const more = [s.delete('grp/warm'), s.transaction([{ op: 'put', key: 'grp/t1', value: bytes('1') }, { op: 'put', key: 'grp/t2', value: bytes('2') }])];
    await assert.rejects(bad, /disk on fire/);
    await Promise.all([...good, ...more]);
    const after = s.writeStats();
    assert.equal(after.batches - before.batches, 33);
    assert.equal(after.commits - before.commits, 1, 'one fsync for all of them');
    for (let i = 0; i < 30; i++) assert.equal(text(await s.get(`grp/k${i}`)), `v${i}`);
    assert.equal(await s.get('grp/half'), undefined);
    assert.equal(await s.get('grp/warm'), undefined);
    assert.deepEqual(await s.list('grp/'), [...Array.from({ length: 30 }, (_, i) => `k${i}`), 't1', 't2'].sort());
    await s.close();
  });

  test('the writer commits with WAL and synchronous=FULL', async () => {
    const s = new SqliteStorage(freshPath());
    assert.deepEqual(await s.writerSettings(), { journalMode: 'wal', synchronous: 2 });
    await s.close();
  });

  test('read-your-writes: a read after a write resolved sees it, under concurrent writers', async () => {
    const s = new SqliteStorage(freshPath());
    await Promise.all(Array.from({ length: 50 }, async (_, w) => {
      for (let i = 0; i < 20; i++) {
        const value = `w${w}-${i}`;
        await s.put(`ryw/${w}`, bytes(value));
        assert.equal(text(await s.get(`ryw/${w}`)), value);
        if (i % 5 === 4) {
          await s.delete(`ryw/${w}`);
          assert.equal(await s.get(`ryw/${w}`), undefined);
        }
      }
    }));
    const { batches, commits } = s.writeStats();
    assert.equal(batches, 50 * 24);
    assert.ok(commits < batches, `expected grouping, got ${commits} commits for ${batches} writes`);
    await s.close();
  });

  test('close waits for writes in flight, then refuses new ones', async () => {
    const path = freshPath();
    const s = new SqliteStorage(path);
    const writes = Array.from({ length: 100 }, (_, i) => s.put(`drain/${i}`, bytes(String(i))));
    const closed = s.close();
    await assert.rejects(s.put('drain/late', bytes('x')), /closed/);
    await Promise.all(writes);
    await closed;
    const again = new SqliteStorage(path);
    assert.equal((await again.list('drain/')).length, 100);
    assert.equal(await again.get('drain/late'), undefined);
    await again.close();
  });

  test('a process that never closes ends by itself, after its writes in flight are committed; its node flags do not stop the writer', () => {
    const path = freshPath();
    const module = new URL('../../src/storage/sqlite.ts', import.meta.url).href;
    // No await, no close: the writer thread keeps the process alive only while writes are pending.
    const script = `import { SqliteStorage } from ${JSON.stringify(module)};
      const s = new SqliteStorage(process.argv[1]);
      for (let i = 0; i < 100; i++) s.put('bg/' + i, new TextEncoder().encode('v' + i)).then(() => { if (i === 99) console.log('acked'); });`;
    // --input-type and a V8 flag: a worker thread refuses both, so the writer must not inherit them.
    const flags = ['--import', 'tsx', '--max-old-space-size=256', '--input-type=module'];
    const out = execFileSync(process.execPath, [...flags, '-e', script, path], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(out.trim(), 'acked');
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.prepare("SELECT count(*) FROM kv WHERE key LIKE 'bg/%'").pluck().get(), 100);
    } finally {
      db.close();
    }
  });

  test('":memory:" works without a writer thread', async () => {
    const s = new SqliteStorage(':memory:');
    await s.transaction([{ op: 'put', key: 'm/a', value: bytes('1') }, { op: 'put', key: 'm/b', value: bytes('2') }]);
    assert.deepEqual(await s.list('m/'), ['a', 'b']);
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
