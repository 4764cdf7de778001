import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetricsRegistry } from '../../../src/core/metrics/registry.js';
import { toPrometheus, toVaultJSON } from '../../../src/core/metrics/render.js';

function sample(): MetricsRegistry {
  const m = new MetricsRegistry();
  for (const v of [1, 2, 3, 4]) m.sample('vault.route.read.secret-', v);
  m.incr('vault.core.response_status_code', 1, { code: '200', type: '2xx' });
  m.incr('vault.core.response_status_code', 2, { code: '200', type: '2xx' });
  m.setGauge('vault.core.unsealed', 1);
  m.gaugeFn('vault.expire.num_leases', () => 7);
  m.gaugeFn('vault.gone', () => undefined);
  return m;
}

test('Prometheus text: gauges, counters, summaries with quantiles, sanitized names, escaped labels', () => {
  const m = sample();
  m.setGauge('odd.name', 2, { path: 'a"b\\c' });
  const text = toPrometheus(m);
  assert.match(text, /^# HELP vault_core_unsealed vault_core_unsealed\n# TYPE vault_core_unsealed gauge\nvault_core_unsealed 1$/m);
  assert.match(text, /^vault_expire_num_leases 7$/m);
  assert.match(text, /^# TYPE vault_core_response_status_code counter\nvault_core_response_status_code\{code="200",type="2xx"\} 3$/m);
  assert.match(text, /^# TYPE vault_route_read_secret_ summary$/m);
  assert.match(text, /^vault_route_read_secret_\{quantile="0.5"\} 2$/m);
  assert.match(text, /^vault_route_read_secret_\{quantile="0.99"\} 4$/m);
  assert.match(text, /^vault_route_read_secret__sum 10$/m);
  assert.match(text, /^vault_route_read_secret__count 4$/m);
  assert.match(text, /^odd_name\{path="a\\"b\\\\c"\} 2$/m);
  assert.doesNotMatch(text, /vault_gone/);
});

test('Vault JSON: go-metrics DisplayMetrics shape and aggregate arithmetic', () => {
  const j = toVaultJSON(sample(), new Date('2026-03-04T05:06:17Z')) as any;
  assert.equal(j.Timestamp, '2026-03-04 05:06:10 +0000 UTC');
  assert.deepEqual(j.Points, []);
  assert.deepEqual(j.Gauges.map((g: any) => [g.Name, g.Value]), [['vault.core.unsealed', 1], ['vault.expire.num_leases', 7]]);
  const s = j.Samples[0];
  assert.equal(s.Name, 'vault.route.read.secret-');
  assert.deepEqual([s.Count, s.Sum, s.Min, s.Max, s.Mean], [4, 10, 1, 4, 2.5]);
  assert.ok(Math.abs(s.Stddev - 1.2909944) < 1e-6);
  assert.deepEqual(j.Counters[0].Labels, { code: '200', type: '2xx' });
  assert.equal(j.Counters[0].Count, 2);
  assert.equal(j.Counters[0].Sum, 3);
});

test('a sample keeps the most recent 1,024 values for its quantiles; the aggregate counts them all', () => {
  const m = new MetricsRegistry();
  for (let v = 1; v <= 3000; v++) m.sample('vault.core.handle_request', v);
  const s = m.snapshot().samples[0]!.value;
  assert.equal(s.count, 3000);
  assert.equal(s.window.length, 1024);
  assert.deepEqual([...s.window].sort((a, b) => a - b), Array.from({ length: 1024 }, (_, i) => 3000 - 1023 + i));
  assert.match(toPrometheus(m), /^vault_core_handle_request\{quantile="0.5"\} 2\d{3}$/m);
});
