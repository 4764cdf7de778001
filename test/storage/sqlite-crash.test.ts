/**
 * Crash safety: a child process writes through SqliteStorage and reports every acknowledged
 * write; it is SIGKILLed mid-stream, with writes in flight on its writer thread. Reopening
 * the file must find every acknowledged write, and every transaction whole or not at all.
 * (SIGKILL loses what the process had not handed to the kernel; an ack before COMMIT would
 * show here as a missing key. Power loss, which fsync guards against, cannot be staged here.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'coffer-sqlite-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));
const child = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : Buffer.from(b).toString());

/** Runs the writer until it has acknowledged `acks` writes, kills it, returns every ack it printed. */
async function writeAndKill(path: string, tag: string, acks: number): Promise<string[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, path, tag], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<NodeJS.Signals | null>((r) => proc.once('exit', (_code, signal) => r(signal)));
  const lines: string[] = [];
  let killed = false;
  for await (const line of createInterface({ input: proc.stdout! })) {
    if (line === 'ready') continue;
    lines.push(line);
    if (!killed && lines.length >= acks) {
      killed = true;
      proc.kill('SIGKILL');
    }
  }
  assert.equal(await exited, killed ? 'SIGKILL' : null, 'the writer died before it was killed');
  return lines;
}

test('every acknowledged write survives SIGKILL; transactions land whole', { timeout: 120_000 }, async () => {
  const path = join(root, 'coffer.db');
  // Kill at different points, reopening the same file each time (recovery after recovery).
  for (const [round, acks] of [[1, 150], [2, 400], [3, 900]] as const) {
    const tag = `r${round}`;
    const acked = await writeAndKill(path, tag, acks);
    assert.ok(acked.length >= acks);
    const s = new SqliteStorage(path);
    try {
      const ackedTx = new Set<string>();
      for (const line of acked) {
        const [kind, base] = line.split(' ') as ['put' | 'tx', string];
        if (kind === 'tx') {
          ackedTx.add(base);
          for (const side of ['a', 'b']) assert.equal(text(await s.get(`tx/${base}/${side}`))?.split(':')[0], `tx/${base}/${side}`, `acked transaction ${base} lost`);
        }
      }
      for (const line of acked) {
        const [kind, base] = line.split(' ') as ['put' | 'tx', string];
        if (kind !== 'put') continue;
        // A put is deleted by its writer's transaction two steps later; once that is acked, gone is right.
        const [, w, i] = /^r\d+\/w(\d+)\/(\d+)$/.exec(base)!.map(Number) as [number, number, number];
        const deletedBy = `${tag}/w${w}/${i + 2}`;
        const got = text(await s.get(`put/${base}`));
        if (ackedTx.has(deletedBy)) assert.equal(got, undefined, `put/${base} should have been deleted by ${deletedBy}`);
        else if (got === undefined) {
          // Only the (unacknowledged, but committed) deleting transaction may have removed it.
          assert.ok(await s.get(`tx/${deletedBy}/a`), `acked put ${base} lost`);
        } else assert.equal(got.split(':')[0], `put/${base}`);
      }
      // Every transaction, acknowledged or not, is all or nothing.
      for (const folder of await s.list(`tx/${tag}/`)) {
        for (const i of await s.list(`tx/${tag}/${folder}`)) {
          assert.deepEqual(await s.list(`tx/${tag}/${folder}${i}`), ['a', 'b'], `torn transaction ${folder}${i}`);
        }
      }
    } finally {
      await s.close();
    }
  }
});
