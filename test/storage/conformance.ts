/**
 * The Storage contract, as one suite every implementation runs (memory, sqlite, the barrier,
 * later postgres and etcd). Each test gets a fresh storage from `make` and closes it after.
 * Tests that list the root only check that their keys are there, so a storage with keys of
 * its own (the barrier's `core/`) runs the same suite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { Storage, StorageOp } from '../../src/storage/storage.js';

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

/** Compares contents only: a Buffer and a Uint8Array holding the same bytes are equal here. */
function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, msg?: string): void {
  assert.ok(actual instanceof Uint8Array, msg ?? 'expected a Uint8Array');
  assert.equal(actual.length, expected.length, msg);
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), msg ?? 'bytes differ');
}

async function putAll(s: Storage, keys: string[]): Promise<void> {
  for (const k of keys) await s.put(k, bytes(`v:${k}`));
}

function assertIncludes(list: string[], expected: string[]): void {
  for (const e of expected) assert.ok(list.includes(e), `list ${JSON.stringify(list)} lacks ${JSON.stringify(e)}`);
}

function assertSortedUnique(list: string[]): void {
  assert.deepEqual(list, [...new Set(list)].sort(), `not sorted and unique: ${JSON.stringify(list)}`);
}

export function runStorageConformance(name: string, make: () => Promise<Storage>): void {
  const run = (title: string, fn: (s: Storage) => Promise<void>) =>
    test(title, async () => {
      const s = await make();
      try {
        await fn(s);
      } finally {
        await s.close?.();
      }
    });

  describe(`Storage conformance: ${name}`, () => {
    run('a missing key reads as undefined and deletes without error', async (s) => {
      assert.equal(await s.get('missing/key'), undefined);
      await s.delete('missing/key');
      assert.deepEqual(await s.list('missing/'), []);
    });

    run('put, get, overwrite, delete', async (s) => {
      await s.put('a/b', bytes('one'));
      assertBytes(await s.get('a/b'), bytes('one'));
      await s.put('a/b', bytes('two, longer than one'));
      assertBytes(await s.get('a/b'), bytes('two, longer than one'));
      await s.put('a/b', bytes('3'));
      assertBytes(await s.get('a/b'), bytes('3'));
      await s.delete('a/b');
      assert.equal(await s.get('a/b'), undefined);
      assert.deepEqual(await s.list('a/'), []);
    });

    const binaries: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['one zero byte', new Uint8Array([0])],
      ['zeros inside', new Uint8Array([0, 0, 1, 0, 255, 0])],
      ['every byte value', Uint8Array.from({ length: 256 }, (_, i) => i)],
      ['invalid UTF-8', new Uint8Array([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80])],
    ];
    for (const [label, value] of binaries) {
      run(`binary value: ${label}`, async (s) => {
        await s.put(`bin/${label}`, value);
        const got = await s.get(`bin/${label}`);
        assert.notEqual(got, undefined, 'an empty value is a value, not a missing key');
        assertBytes(got, value);
      });
    }

    run('stored values are copies: mutating the input or the output changes nothing', async (s) => {
      const input = Buffer.from('original');
      await s.put('copy/k', input);
      input.fill(0x41);
      const first = await s.get('copy/k');
      assertBytes(first, bytes('original'));
      first!.fill(0x42);
      assertBytes(await s.get('copy/k'), bytes('original'));
    });

    run('list returns the next segment, folders with a trailing slash', async (s) => {
      await putAll(s, ['a', 'b/c', 'b/d/e', 'b/d/f', 'b/g', 'b/d/h/i']);
      const root = await s.list('');
      assertIncludes(root, ['a', 'b/']);
      assert.ok(!root.some((e) => e.startsWith('b/') && e !== 'b/'), 'root lists only the folder b/');
      assertSortedUnique(root);
      assert.deepEqual(await s.list('b/'), ['c', 'd/', 'g']);
      assert.deepEqual(await s.list('b/d/'), ['e', 'f', 'h/']);
      assert.deepEqual(await s.list('b/d/h/'), ['i']);
      assert.deepEqual(await s.list('b/x/'), []);
    });

    run('list: a folder is listed once however many keys it holds', async (s) => {
      const keys = Array.from({ length: 300 }, (_, i) => `many/sub/${String(i).padStart(3, '0')}`);
      await putAll(s, [...keys, 'many/sub0', 'many/leaf', 'many/sub/deeper/x']);
      assert.deepEqual(await s.list('many/'), ['leaf', 'sub/', 'sub0']);
      const sub = await s.list('many/sub/');
      assert.equal(sub.length, 301);
      assert.deepEqual(sub, [...keys.map((k) => k.slice('many/sub/'.length)), 'deeper/'].sort());
    });

    run('list: a key and a folder of the same name are both listed', async (s) => {
      await putAll(s, ['same/x', 'same/x/y']);
      assert.deepEqual(await s.list('same/'), ['x', 'x/']);
    });

    run('list: prefix edge cases (neighbours that share the prefix text)', async (s) => {
      // '.' < '/' < '0' and '-' < '/': the neighbours of a folder in key order.
      await putAll(s, ['edge/p', 'edge/p.x', 'edge/p-y', 'edge/p/in', 'edge/p/in2/z', 'edge/p0', 'edge/pa/q', 'edge/pz']);
      assert.deepEqual(await s.list('edge/'), ['p', 'p-y', 'p.x', 'p/', 'p0', 'pa/', 'pz']);
      assert.deepEqual(await s.list('edge/p/'), ['in', 'in2/']);
      assert.deepEqual(await s.list('edge/pa/'), ['q']);
      assert.deepEqual(await s.list('edge/p0/'), []);
      await putAll(s, ['foo/bar', 'foobar/baz', 'foo-x', 'fo/o']);
      assert.deepEqual(await s.list('foo/'), ['bar']);
      assert.deepEqual(await s.list('fo/'), ['o']);
    });

    run('list: characters that are special elsewhere (SQL wildcards, quotes, spaces)', async (s) => {
      const odd = ['sp/100%', 'sp/a_b', 'sp/it\'s', 'sp/with space', 'sp/back\\slash', 'sp/"quoted"', 'sp/%/x', 'sp/_/y'];
      await putAll(s, odd);
      assert.deepEqual(await s.list('sp/'), ['"quoted"', '%/', '100%', '_/', 'a_b', 'back\\slash', 'it\'s', 'with space'].sort());
      assert.deepEqual(await s.list('sp/%/'), ['x']);
      assert.deepEqual(await s.list('sp/_/'), ['y']);
      for (const k of odd) assertBytes(await s.get(k), bytes(`v:${k}`));
    });

    run('unicode keys: get, list, and ordering beyond the BMP', async (s) => {
      const keys = ['uni/ключ', 'uni/秘密/値', 'uni/🔑', 'uni/🔑/x', 'uni/\uffff', 'uni/e\u0301', 'uni/z', 'uni/\u00e9'];
      await putAll(s, keys);
      for (const k of keys) assertBytes(await s.get(k), bytes(`v:${k}`), k);
      assert.deepEqual(await s.list('uni/'), ['ключ', '秘密/', '🔑', '🔑/', '\uffff', 'e\u0301', 'z', '\u00e9'].sort());
      assert.deepEqual(await s.list('uni/🔑/'), ['x']);
      assert.deepEqual(await s.list('uni/秘密/'), ['値']);
      await putAll(s, ['🔐/top', '😀']);
      assertIncludes(await s.list(''), ['🔐/', '😀', 'uni/']);
    });

    run('a large value (1 MiB) round-trips byte for byte', async (s) => {
      const big = new Uint8Array(randomBytes(1024 * 1024 + 7));
      await s.put('large/one', big);
      assertBytes(await s.get('large/one'), big);
      const bigger = new Uint8Array(randomBytes(1024 * 1024));
      await s.put('large/one', bigger);
      assertBytes(await s.get('large/one'), bigger);
    });

    run('concurrent puts of distinct keys all land', async (s) => {
      const keys = Array.from({ length: 200 }, (_, i) => `conc/k${i}`);
      await Promise.all(keys.map((k) => s.put(k, bytes(`v:${k}`))));
      for (const k of keys) assertBytes(await s.get(k), bytes(`v:${k}`));
      assert.equal((await s.list('conc/')).length, 200);
    });

    run('concurrent puts of one key leave one of the written values', async (s) => {
      const values = Array.from({ length: 50 }, (_, i) => bytes(`value-${i}`));
      await Promise.all(values.map((v) => s.put('conc/same', v)));
      const got = Buffer.from((await s.get('conc/same'))!);
      assert.ok(values.some((v) => got.equals(Buffer.from(v))), `unexpected value ${got.toString()}`);
    });

    run('concurrent reads while writing never see a torn value', async (s) => {
      const a = new Uint8Array(4096).fill(0x61);
      const b = new Uint8Array(4096).fill(0x62);
      await s.put('conc/rw', a);
      const ops: Promise<unknown>[] = [];
      for (let i = 0; i < 100; i++) {
        ops.push(s.put('conc/rw', i % 2 ? a : b));
        ops.push(s.get('conc/rw').then((v) => {
          const buf = Buffer.from(v!);
          assert.ok(buf.equals(Buffer.from(a)) || buf.equals(Buffer.from(b)), 'torn read');
        }));
      }
      await Promise.all(ops);
    });

    describe('transactions', () => {
      const tx = async (s: Storage, ops: StorageOp[]) => {
        assert.ok(s.transaction, `${name} must implement transaction`);
        await s.transaction!(ops);
      };

      run('applies puts and deletes together', async (s) => {
        await putAll(s, ['tx/old', 'tx/keep']);
        await tx(s, [
          { op: 'put', key: 'tx/a', value: bytes('A') },
          { op: 'put', key: 'tx/b/c', value: new Uint8Array([0, 1, 0]) },
          { op: 'delete', key: 'tx/old' },
          { op: 'delete', key: 'tx/never-existed' },
        ]);
        assertBytes(await s.get('tx/a'), bytes('A'));
        assertBytes(await s.get('tx/b/c'), new Uint8Array([0, 1, 0]));
        assert.equal(await s.get('tx/old'), undefined);
        assert.deepEqual(await s.list('tx/'), ['a', 'b/', 'keep']);
      });

      run('ops on one key apply in order', async (s) => {
        await tx(s, [
          { op: 'put', key: 'tx/x', value: bytes('1') },
          { op: 'delete', key: 'tx/x' },
          { op: 'put', key: 'tx/y', value: bytes('1') },
          { op: 'delete', key: 'tx/y' },
          { op: 'put', key: 'tx/y', value: bytes('2') },
          { op: 'put', key: 'tx/y', value: bytes('3') },
        ]);
        assert.equal(await s.get('tx/x'), undefined);
        assertBytes(await s.get('tx/y'), bytes('3'));
      });

      run('an empty transaction is a no-op', async (s) => {
        await tx(s, []);
      });

      const bad: [string, unknown][] = [
        ['an unknown op', { op: 'truncate', key: 'tx/z' }],
        ['a value that is not bytes', { op: 'put', key: 'tx/z', value: 'a string' }],
        ['a missing value', { op: 'put', key: 'tx/z' }],
        ['a key that is not a string', { op: 'delete', key: 42 }],
      ];
      for (const [label, op] of bad) {
        run(`a failing transaction (${label}) leaves nothing behind`, async (s) => {
          await s.put('tx/keep', bytes('before'));
          await s.put('tx/gone', bytes('still here'));
          await assert.rejects(tx(s, [
            { op: 'put', key: 'tx/new', value: bytes('new') },
            { op: 'put', key: 'tx/keep', value: bytes('after') },
            { op: 'delete', key: 'tx/gone' },
            op as StorageOp,
          ]));
          assert.equal(await s.get('tx/new'), undefined);
          assertBytes(await s.get('tx/keep'), bytes('before'));
          assertBytes(await s.get('tx/gone'), bytes('still here'));
          assert.deepEqual(await s.list('tx/'), ['gone', 'keep']);
        });
      }

      run('a transaction copies its values', async (s) => {
        const v = Buffer.from('kept');
        await tx(s, [{ op: 'put', key: 'tx/copy', value: v }]);
        v.fill(0);
        assertBytes(await s.get('tx/copy'), bytes('kept'));
      });

      run('concurrent transactions each land whole', async (s) => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => tx(s, [
          { op: 'put', key: `ctx/${i}/a`, value: bytes(`a${i}`) },
          { op: 'put', key: `ctx/${i}/b`, value: bytes(`b${i}`) },
        ])));
        assert.equal((await s.list('ctx/')).length, 40);
        for (let i = 0; i < 40; i++) {
          assertBytes(await s.get(`ctx/${i}/a`), bytes(`a${i}`));
          assertBytes(await s.get(`ctx/${i}/b`), bytes(`b${i}`));
        }
      });
    });
  });
}
