/**
 * sys/metrics' two renderings: Prometheus text exposition (format=prometheus; names with
 * dots become underscores, samples become summaries with 0.5/0.9/0.99 quantiles) and Vault's
 * JSON (go-metrics' DisplayMetrics: Timestamp, Gauges, Points, Counters, Samples).
 */
import type { Aggregate, Labels, MetricsRegistry, Series } from './registry.js';

const promName = (n: string) => n.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/^([0-9])/, '_$1');
const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function promLabels(labels: Labels, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const ks = Object.keys(all);
  if (!ks.length) return '';
  return `{${ks.map((k) => `${promName(k)}="${escapeValue(all[k]!)}"`).join(',')}}`;
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function toPrometheus(reg: MetricsRegistry): string {
  const snap = reg.snapshot();
  const out: string[] = [];
  const header = (name: string, type: string, seen: Set<string>) => {
    if (seen.has(name)) return;
    seen.add(name);
    out.push(`# HELP ${name} ${name}`, `# TYPE ${name} ${type}`);
  };
  const seen = new Set<string>();
  for (const g of snap.gauges) {
    const n = promName(g.name);
    header(n, 'gauge', seen);
    out.push(`${n}${promLabels(g.labels)} ${num(g.value)}`);
  }
  for (const c of snap.counters) {
    const n = promName(c.name);
    header(n, 'counter', seen);
    out.push(`${n}${promLabels(c.labels)} ${num(c.value.sum)}`);
  }
  for (const s of snap.samples) {
    const n = promName(s.name);
    header(n, 'summary', seen);
    const sorted = [...s.value.window].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99]) out.push(`${n}${promLabels(s.labels, { quantile: String(q) })} ${num(quantile(sorted, q))}`);
    out.push(`${n}_sum${promLabels(s.labels)} ${num(s.value.sum)}`, `${n}_count${promLabels(s.labels)} ${s.value.count}`);
  }
  return out.join('\n') + '\n';
}

function goTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

function aggregateJSON(s: Series<Aggregate>, elapsedSec: number): Record<string, unknown> {
  const a = s.value;
  const div = a.count * (a.count - 1);
  const stddev = div > 0 ? Math.sqrt(Math.max(0, a.count * a.sumSq - a.sum * a.sum) / div) : 0;
  return {
    Name: s.name, Count: a.count, Rate: elapsedSec > 0 ? a.sum / elapsedSec : 0, Sum: a.sum,
    Min: a.count ? a.min : 0, Max: a.count ? a.max : 0, Mean: a.count ? a.sum / a.count : 0, Stddev: stddev, Labels: s.labels,
  };
}

export function toVaultJSON(reg: MetricsRegistry, now = new Date()): Record<string, unknown> {
  const snap = reg.snapshot();
  const elapsed = Math.max(1, (now.getTime() - reg.started) / 1000);
  const interval = new Date(Math.floor(now.getTime() / 10_000) * 10_000);
  return {
    Timestamp: goTime(interval),
    Gauges: snap.gauges.map((g) => ({ Name: g.name, Value: g.value, Labels: g.labels })),
    Points: [],
    Counters: snap.counters.map((c) => aggregateJSON(c, elapsed)),
    Samples: snap.samples.map((s) => aggregateJSON(s, elapsed)),
  };
}
