import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createStorage } from '../../src/storage/registry.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'coffer-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('memory and its Vault alias inmem', async () => {
  assert.ok((await createStorage('memory', {})) instanceof MemoryStorage);
  assert.ok((await createStorage('inmem', {})) instanceof MemoryStorage);
});

test('sqlite opens the file at path', async () => {
  const path = join(root, 'a', 'coffer.db');
  const s = await createStorage('sqlite', { path });
  assert.ok(s instanceof SqliteStorage);
  await s.put('k', new Uint8Array([1]));
  await s.close!();
  assert.ok(existsSync(path));
});

test("Vault's file storage takes a directory: one SQLite file inside it", async () => {
  const dir = join(root, 'vault-file');
  const s = await createStorage('file', { path: dir });
  assert.equal((s as SqliteStorage).path, join(dir, 'coffer.db'));
  await s.close!();
});

const errors: [string, string, Record<string, string>, RegExp][] = [
  ['sqlite without path', 'sqlite', {}, /^storage "sqlite": "path" is required$/],
  ['sqlite with a blank path', 'sqlite', { path: '  ' }, /"path" is required/],
  ['file without path', 'file', {}, /^storage "file": "path" is required$/],
  ['an unknown type', 'consul', {}, /^unknown storage type "consul"$/],
  ['an empty type', '', {}, /^unknown storage type ""$/],
];
for (const [label, type, options, message] of errors) {
  test(`error: ${label}`, async () => {
    await assert.rejects(createStorage(type, options), { message });
  });
}
