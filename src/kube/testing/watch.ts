/**
 * ?watch=1: a chunked stream of newline-separated {"type","object"} events. Without a
 * resourceVersion (or "0") the current objects come first as ADDED; with one, the stream resumes
 * after it, or sends a 410 Expired ERROR event when that version was compacted away. Objects that
 * stop or start matching a selector are reported as DELETED/ADDED, as the watch cache does.
 */
import type { ServerResponse } from 'node:http';
import type { KubeCluster } from './cluster.js';
import { filterMatches, type ObjectFilter } from './filter.js';
import type { KindInfo } from './resources.js';
import { badRequest, gone } from './status.js';
import type { KubeObject, StoreEvent } from './store.js';
import { toTable } from './table.js';

export interface WatchRequest {
  kind: KindInfo;
  namespace?: string;
  filter: ObjectFilter;
  resourceVersion: string;
  timeoutSeconds?: number;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  asTable: boolean;
}

type Out = { type: string; object: unknown };

function translate(ev: StoreEvent, w: WatchRequest): { type: string; object: KubeObject } | null {
  if (ev.kind !== w.kind) return null;
  const inScope = (o: KubeObject | undefined) => !!o && (!w.namespace || o.metadata.namespace === w.namespace) && filterMatches(w.filter, o);
  const now = inScope(ev.object);
  if (ev.type !== 'MODIFIED') return now ? { type: ev.type, object: ev.object } : null;
  const before = inScope(ev.previous);
  if (now && before) return { type: 'MODIFIED', object: ev.object };
  if (now) return { type: 'ADDED', object: ev.object };
  if (before) return { type: 'DELETED', object: ev.object };
  return null;
}

export function serveWatch(res: ServerResponse, c: KubeCluster, w: WatchRequest, active: Set<ServerResponse>): void {
  const rvText = w.resourceVersion;
  if (rvText && !/^\d+$/.test(rvText)) throw badRequest(`invalid resource version: ${rvText}`);
  const rv = rvText ? Number(rvText) : 0;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const write = (e: Out) => {
    if (res.writableEnded || res.destroyed) return;
    const object = w.asTable && e.type !== 'ERROR' && e.type !== 'BOOKMARK' ? toTable(w.kind, [e.object as KubeObject], c.now()) : e.object;
    res.write(JSON.stringify({ type: e.type, object }) + '\n');
  };
  const bookmark = (annotations?: Record<string, string>) => write({
    type: 'BOOKMARK',
    object: { kind: w.kind.kind, apiVersion: w.kind.group ? `${w.kind.group}/${w.kind.version}` : w.kind.version, metadata: { resourceVersion: c.store.resourceVersion(), ...(annotations ? { annotations } : {}) } },
  });

  // Subscribe first and buffer, so nothing written between the snapshot and the subscription is lost.
  const pending: StoreEvent[] = [];
  let live = false;
  let lastSent = 0;
  const unsubscribe = c.store.subscribe((ev) => {
    if (!live) { pending.push(ev); return; }
    if (ev.rv <= lastSent) return;
    const t = translate(ev, w);
    if (t) write(t);
  });
  const finish = () => {
    unsubscribe();
    clearTimeout(timer);
    active.delete(res);
    if (!res.writableEnded) res.end();
  };
  const timer = setTimeout(finish, (w.timeoutSeconds ?? 1800) * 1000);
  res.on('close', finish);
  active.add(res);

  if (!rvText || rv === 0 || w.sendInitialEvents) {
    const snapshotRv = Number(c.store.resourceVersion());
    for (const o of c.store.list(w.kind, w.namespace)) if (filterMatches(w.filter, o)) write({ type: 'ADDED', object: o });
    lastSent = snapshotRv;
    if (w.sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const replay = c.store.eventsAfter(rv);
    if (!replay) {
      const oldest = c.store.oldestResumable();
      write({ type: 'ERROR', object: gone(`too old resource version: ${rv} (${oldest})`).status });
      finish();
      return;
    }
    for (const ev of replay) {
      const t = translate(ev, w);
      if (t) write(t);
      lastSent = ev.rv;
    }
    lastSent = Math.max(lastSent, rv);
  }
  live = true;
  for (const ev of pending) {
    if (ev.rv <= lastSent) continue;
    const t = translate(ev, w);
    if (t) write(t);
  }
}
