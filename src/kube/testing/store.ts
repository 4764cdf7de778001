/**
 * In-memory object storage with one cluster-wide resourceVersion counter (as etcd's revision is) and
 * an event history, so a watch can resume from any recent resourceVersion and an old one gets 410 Gone.
 */
import { alreadyExists, notFound, staleObject } from './status.js';
import { apiVersionOf, type KindInfo } from './resources.js';

export interface OwnerReference { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }

export interface ObjectMeta {
  name: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  [k: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [k: string]: any;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent { type: EventType; kind: KindInfo; object: KubeObject; rv: number; previous?: KubeObject }

const keyOf = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

export class ObjectStore {
  private rv = 1;
  private tables = new Map<KindInfo, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  private listeners = new Set<(e: StoreEvent) => void>();
  /** Watches may resume from this resourceVersion or later; older ones were compacted away. */
  private compacted = 1;

  constructor(private readonly historySize = 10_000) {}

  /** The newest resourceVersion handed out (a list's metadata.resourceVersion). */
  resourceVersion(): string {
    return String(this.rv);
  }

  /** The oldest resourceVersion a watch can still resume from. */
  oldestResumable(): number {
    return this.compacted;
  }

  private table(kind: KindInfo): Map<string, KubeObject> {
    let t = this.tables.get(kind);
    if (!t) this.tables.set(kind, (t = new Map()));
    return t;
  }

  get(kind: KindInfo, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.table(kind).get(keyOf(kind.namespaced ? ns : undefined, name));
    return o ? structuredClone(o) : undefined;
  }

  mustGet(kind: KindInfo, ns: string | undefined, name: string): KubeObject {
    const o = this.get(kind, ns, name);
    if (!o) throw notFound(kind, name);
    return o;
  }

  /** Objects of a kind, optionally in one namespace, ordered by namespace then name (as etcd keys sort). */
  list(kind: KindInfo, ns?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const o of this.table(kind).values()) {
      if (ns && kind.namespaced && o.metadata.namespace !== ns) continue;
      out.push(structuredClone(o));
    }
    return out.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.metadata.namespace, b.metadata.name)));
  }

  /** Every stored object of every kind (garbage collection, namespace cleanup). */
  *everything(): Generator<{ kind: KindInfo; object: KubeObject }> {
    for (const [kind, t] of this.tables) for (const o of t.values()) yield { kind, object: structuredClone(o) };
  }

  create(kind: KindInfo, obj: KubeObject): KubeObject {
    const t = this.table(kind);
    const key = keyOf(kind.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    if (t.has(key)) throw alreadyExists(kind, obj.metadata.name);
    const stored = this.stamp(kind, obj);
    t.set(key, stored);
    this.emit('ADDED', kind, stored);
    return structuredClone(stored);
  }

  /** Replaces an object; with expectedRV set, a stale write is a 409 Conflict. */
  update(kind: KindInfo, obj: KubeObject, expectedRV?: string): KubeObject {
    const t = this.table(kind);
    const key = keyOf(kind.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
    const current = t.get(key);
    if (!current) throw notFound(kind, obj.metadata.name);
    if (expectedRV && expectedRV !== current.metadata.resourceVersion) throw staleObject(kind, obj.metadata.name);
    const stored = this.stamp(kind, obj);
    t.set(key, stored);
    this.emit('MODIFIED', kind, stored, current);
    return structuredClone(stored);
  }

  delete(kind: KindInfo, ns: string | undefined, name: string): KubeObject {
    const t = this.table(kind);
    const key = keyOf(kind.namespaced ? ns : undefined, name);
    const current = t.get(key);
    if (!current) throw notFound(kind, name);
    t.delete(key);
    // A deletion gets its own resourceVersion, which the DELETED event carries.
    const gone = this.stamp(kind, current);
    this.emit('DELETED', kind, gone);
    return structuredClone(gone);
  }

  private stamp(kind: KindInfo, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.apiVersion = apiVersionOf(kind);
    o.kind = kind.kind;
    o.metadata.resourceVersion = String(++this.rv);
    return o;
  }

  private emit(type: EventType, kind: KindInfo, object: KubeObject, previous?: KubeObject): void {
    const ev: StoreEvent = { type, kind, object, rv: this.rv };
    if (previous) ev.previous = previous;
    if (kind.watchable) {
      this.history.push(ev);
      if (this.history.length > this.historySize) {
        const dropped = this.history.splice(0, this.history.length - this.historySize);
        this.compacted = dropped[dropped.length - 1]!.rv;
      }
    }
    for (const l of this.listeners) l(ev);
  }

  /** Events after `rv`, or null when that far back is no longer kept (the watch must re-list). */
  eventsAfter(rv: number): StoreEvent[] | null {
    if (rv < this.compacted) return null;
    return this.history.filter((e) => e.rv > rv);
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
