/**
 * The writer thread of a SqliteStorage: owns the only write connection to the file. Batches
 * arrive from the main thread while a commit is running (fsync blocks this thread, never the
 * event loop of the server); when the commit is done, everything that queued up meanwhile is
 * applied as the next group, so a busy server pays one fsync for many writes and an idle
 * one pays no added latency.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { GroupCommitter, type WireBatch } from './sqlite-group.js';
import { openConnection } from './sqlite-schema.js';
import type { FromWorker, ToWorker } from './sqlite-writer.js';

/** Bounds on one group, so one commit (and every caller's wait on it) stays short. */
const MAX_GROUP_OPS = 10_000;
const MAX_GROUP_BYTES = 32 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('sqlite-worker must run as a worker thread');
const send = (m: FromWorker) => port.postMessage(m);

let db: Database.Database | undefined;
let committer: GroupCommitter | undefined;
try {
  db = openConnection((workerData as { path: string }).path);
  committer = new GroupCommitter(db);
  send({
    type: 'ready',
    journalMode: String(db.pragma('journal_mode', { simple: true })),
    synchronous: Number(db.pragma('synchronous', { simple: true })),
  });
} catch (e) {
  db?.close();
  send({ type: 'failed', error: { message: (e as Error).message } });
}

let queue: WireBatch[] = [];
let scheduled = false;
let closing = false;

/** The next group: at least one batch, then as many as fit the bounds, in order. */
function takeGroup(): WireBatch[] {
  let ops = 0;
  let bytes = 0;
  let n = 0;
  for (const b of queue) {
    let size = 0;
    for (const [k, v] of b.ops) size += k.length + (v?.byteLength ?? 0);
    if (n > 0 && (ops + b.ops.length > MAX_GROUP_OPS || bytes + size > MAX_GROUP_BYTES)) break;
    ops += b.ops.length;
    bytes += size;
    n++;
  }
  const group = queue.slice(0, n);
  queue = queue.slice(n);
  return group;
}

function flush(): void {
  scheduled = false;
  while (queue.length && committer) {
    send({ type: 'done', ...committer.apply(takeGroup()) });
  }
  if (closing) {
    db?.close();
    port!.close();
  }
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'write') for (const b of m.batches) queue.push(b);
  else closing = true;
  if (!scheduled) {
    scheduled = true;
    // After the other messages already waiting on the port: they join this group.
    setImmediate(flush);
  }
});
