/**
 * In-memory metrics in go-metrics' model, which is what Vault's sys/metrics shows: counters,
 * gauges (set, or computed when scraped) and samples (timings), each keyed by a dotted name
 * (`vault.core.handle_request`) and optional labels. Aggregates are cumulative since start;
 * samples also keep a bounded window of recent values for the Prometheus quantiles.
 */
export type Labels = Record<string, string>;

export interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  sumSq: number;
}

export interface Series<T> {
  name: string;
  labels: Labels;
  value: T;
}

export interface SampleValue extends Aggregate {
  /** The most recent values (at most WINDOW), in no particular order: a ring, overwritten oldest first. */
  window: number[];
  /** Where the next value goes once the window is full. */
  next: number;
}

const WINDOW = 1024;

function key(name: string, labels: Labels | undefined): string {
  if (!labels) return name;
  const ks = Object.keys(labels);
  if (!ks.length) return name;
  return `${name}{${ks.sort().map((k) => `${k}=${labels[k]}`).join(',')}}`;
}

export type GaugeFn = () => number | Series<number>[] | undefined;

export class MetricsRegistry {
  readonly started = Date.now();
  private readonly counters = new Map<string, Series<Aggregate>>();
  private readonly gauges = new Map<string, Series<number>>();
  private readonly gaugeFns = new Map<string, GaugeFn>();
  private readonly samples = new Map<string, Series<SampleValue>>();

  incr(name: string, value = 1, labels?: Labels): void {
    const k = key(name, labels);
    let s = this.counters.get(k);
    if (!s) {
      s = { name, labels: labels ?? {}, value: { count: 0, sum: 0, min: Infinity, max: -Infinity, sumSq: 0 } };
      this.counters.set(k, s);
    }
    add(s.value, value);
  }

  setGauge(name: string, value: number, labels?: Labels): void {
    this.gauges.set(key(name, labels), { name, labels: labels ?? {}, value });
  }

  private readonly collectors: (() => Promise<void>)[] = [];

  /** Async work run before each scrape (e.g. counting tokens in storage). */
  addCollector(fn: () => Promise<void>): void {
    this.collectors.push(fn);
  }

  async collect(): Promise<void> {
    await Promise.all(this.collectors.map((c) => c().catch(() => undefined)));
  }

  /** A gauge computed at scrape time; the function may return several labelled series. */
  gaugeFn(name: string, fn: GaugeFn): void {
    this.gaugeFns.set(name, fn);
  }

  sample(name: string, value: number, labels?: Labels): void {
    const k = key(name, labels);
    let s = this.samples.get(k);
    if (!s) {
      s = { name, labels: labels ?? {}, value: { count: 0, sum: 0, min: Infinity, max: -Infinity, sumSq: 0, window: [], next: 0 } };
      this.samples.set(k, s);
    }
    record(s.value, value);
  }

  /**
   * The series a fixed name and labels resolve to, for callers on the request path: they keep
   * the handle and skip building the key on every observation.
   */
  counterHandle(name: string, labels?: Labels): Aggregate {
    const k = key(name, labels);
    let s = this.counters.get(k);
    if (!s) {
      s = { name, labels: labels ?? {}, value: { count: 0, sum: 0, min: Infinity, max: -Infinity, sumSq: 0 } };
      this.counters.set(k, s);
    }
    return s.value;
  }

  sampleHandle(name: string, labels?: Labels): SampleValue {
    const k = key(name, labels);
    let s = this.samples.get(k);
    if (!s) {
      s = { name, labels: labels ?? {}, value: { count: 0, sum: 0, min: Infinity, max: -Infinity, sumSq: 0, window: [], next: 0 } };
      this.samples.set(k, s);
    }
    return s.value;
  }

  /** Times fn in milliseconds as a sample. */
  async time<T>(name: string, fn: () => Promise<T>, labels?: Labels): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.sample(name, performance.now() - t, labels);
    }
  }

  snapshot(): { counters: Series<Aggregate>[]; gauges: Series<number>[]; samples: Series<SampleValue>[] } {
    const gauges = [...this.gauges.values()];
    for (const [name, fn] of this.gaugeFns) {
      let v: ReturnType<GaugeFn>;
      try { v = fn(); } catch { v = undefined; }
      if (v === undefined) continue;
      if (typeof v === 'number') gauges.push({ name, labels: {}, value: v });
      else gauges.push(...v);
    }
    const byName = <T>(a: Series<T>, b: Series<T>) => a.name.localeCompare(b.name) || key('', a.labels).localeCompare(key('', b.labels));
    return {
      counters: [...this.counters.values()].sort(byName),
      gauges: gauges.sort(byName),
      samples: [...this.samples.values()].sort(byName),
    };
  }
}

/** Adds an observation to a sample: its aggregate and its window of recent values. */
export function record(s: SampleValue, v: number): void {
  add(s, v);
  if (s.window.length < WINDOW) s.window.push(v);
  else {
    s.window[s.next] = v;
    s.next = (s.next + 1) % WINDOW;
  }
}

export function add(a: Aggregate, v: number): void {
  a.count++;
  a.sum += v;
  a.sumSq += v * v;
  if (v < a.min) a.min = v;
  if (v > a.max) a.max = v;
}

const registries = new WeakMap<object, MetricsRegistry>();

/** One registry per Core (tests run several in one process). */
export function metricsFor(owner: object): MetricsRegistry {
  let r = registries.get(owner);
  if (!r) {
    r = new MetricsRegistry();
    registries.set(owner, r);
  }
  return r;
}
