/**
 * GroupCommitter on a real SQLite file, driven directly (no worker): how many commits a group
 * costs, and which batches fail when one of them does. Failures are real SQLite failures,
 * raised by triggers a second connection installs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommitter, type WireBatch } from '../../src/storage/sqlite-group.js';
import { openConnection } from '../../src/storage/sqlite-schema.js';

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-group-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

const bytes = (s: string) => new TextEncoder().encode(s);
const put = (key: string, value = key): [string, Uint8Array] => [key, bytes(value)];

function fresh(): { db: Database.Database; committer: GroupCommitter; read(key: string): string | undefined; path: string } {
  const path = join(root, `g${++n}.db`);
  const db = openConnection(path);
  const committer = new GroupCommitter(db);
  const sel = db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
  return { db, committer, path, read: (key) => sel.get(key)?.toString() };
}

/** Makes SQLite itself fail any write of `key`: ABORT undoes the statement, ROLLBACK the whole transaction. */
function poison(path: string, key: string, how: 'ABORT' | 'ROLLBACK'): void {
  const other = new Database(path);
  other.exec(`CREATE TRIGGER poison_${how} BEFORE INSERT ON kv WHEN NEW.key = '${key}' BEGIN SELECT RAISE(${how}, 'poisoned ${how}'); END`);
  other.close();
}

const batches = (count: number, prefix: string): WireBatch[] =>
  Array.from({ length: count }, (_, i) => ({ id: i + 1, ops: [put(`${prefix}/${i}/a`), put(`${prefix}/${i}/b`)] }));

test('a group of batches costs one commit, each batch acknowledged', () => {
  const { db, committer, read } = fresh();
  const out = committer.apply(batches(50, 'ok'));
  assert.equal(out.commits, 1);
  assert.deepEqual(out.results, Array.from({ length: 50 }, (_, i) => ({ id: i + 1 })));
  for (let i = 0; i < 50; i++) assert.equal(read(`ok/${i}/b`), `ok/${i}/b`);
  db.close();
});

test('batches apply in order: a later batch overwrites or deletes what an earlier one wrote', () => {
  const { db, committer, read } = fresh();
  committer.apply([
    { id: 1, ops: [put('k', 'first'), put('gone', 'x')] },
    { id: 2, ops: [put('k', 'second')] },
    { id: 3, ops: [['gone', null]] },
  ]);
  assert.equal(read('k'), 'second');
  assert.equal(read('gone'), undefined);
  db.close();
});

const failures: { how: 'ABORT' | 'ROLLBACK'; commits: number }[] = [
  // The failing batch's savepoint is rolled back; the others share the one commit.
  { how: 'ABORT', commits: 1 },
  // SQLite threw the whole transaction away: every batch is retried alone, the good ones commit.
  { how: 'ROLLBACK', commits: 9 },
];
for (const { how, commits } of failures) {
  test(`a batch failing with RAISE(${how}) fails alone; the batches grouped with it commit`, () => {
    const { db, committer, read, path } = fresh();
    poison(path, 'bad/poison', how);
    const group = batches(9, 'good');
    group.splice(4, 0, { id: 100, ops: [put('bad/first'), put('bad/poison'), put('bad/last')] });
    const out = committer.apply(group);
    assert.equal(out.commits, commits);
    assert.equal(out.results.length, 10);
    for (const r of out.results) {
      if (r.id === 100) {
        assert.equal(r.error?.message, `poisoned ${how}`);
        assert.equal(r.error?.code, 'SQLITE_CONSTRAINT_TRIGGER');
      } else {
        assert.equal(r.error, undefined, `batch ${r.id}`);
      }
    }
    assert.equal(read('bad/first'), undefined, 'the failed batch left nothing behind');
    assert.equal(read('bad/last'), undefined);
    for (let i = 0; i < 9; i++) assert.equal(read(`good/${i}/a`), `good/${i}/a`);
    assert.equal(db.inTransaction, false);
    db.close();
  });
}

test('when the write lock cannot be had, every batch gets that error and nothing is applied', () => {
  const { db, committer, read, path } = fresh();
  db.pragma('busy_timeout = 0');
  const holder = new Database(path);
  holder.exec('BEGIN IMMEDIATE');
  try {
    for (const count of [1, 3]) {
      const out = committer.apply(batches(count, `busy${count}`));
      assert.equal(out.commits, 0);
      assert.equal(out.results.length, count);
      for (const r of out.results) assert.equal(r.error?.code, 'SQLITE_BUSY');
    }
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  assert.equal(read('busy3/0/a'), undefined);
  const out = committer.apply(batches(3, 'later'));
  assert.equal(out.commits, 1, 'the committer works again once the lock is free');
  db.close();
});

test('a lone batch that fails rolls back and leaves the connection usable', () => {
  const { db, committer, read, path } = fresh();
  poison(path, 'x/poison', 'ABORT');
  const out = committer.apply([{ id: 7, ops: [put('x/before'), put('x/poison')] }]);
  assert.equal(out.commits, 0);
  assert.equal(out.results[0]!.error?.message, 'poisoned ABORT');
  assert.equal(read('x/before'), undefined);
  assert.equal(committer.apply([{ id: 8, ops: [put('x/after')] }]).commits, 1);
  assert.equal(read('x/after'), 'x/after');
  db.close();
});
