/**
 * Agent template benchmark (issue 7): 1,000 templates rendered from cached secrets.
 *
 *   engine   execute 1,000 parsed consul-template templates (with secret/range/printf/toJSON)
 *            against data already in the agent's cache — renders/s
 *   runner   the agent's runner re-rendering 1,000 file templates after a dependency change,
 *            including the compare-and-fsynced-atomic-write of each destination — renders/s,
 *            on tmpfs (/dev/shm, as the injector's in-memory volume) and on the disk (/tmp)
 *   baselines the same substitutions as a hand-written JS template literal (the engine's floor),
 *            and the same 1,000 atomic file writes with no templating (the runner's floor)
 *
 * Secrets come from a real Coffer over HTTP once; the timed rounds only touch the cache.
 * Goal: ≥ 1,000 renders/s.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VaultClient } from '../src/api/client.js';
import { renderToFile } from '../src/agent/render-file.js';
import { TemplateRunner } from '../src/agent/runner.js';
import { parseConsulTemplate } from '../src/agent/template/funcs/index.js';
import { VaultSource } from '../src/agent/vault-source.js';
import { silentLogger } from '../src/lib/logger.js';
import { startCoffer } from '../test/support/server.js';

const TEMPLATES = Number(process.env.TEMPLATES ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECRETS = 50;

const TEXT = (i: number) => `{{- with secret "secret/data/app-${i % SECRETS}" }}
# generated for instance ${i}
DB_USER={{ .Data.data.user }}
DB_PASSWORD={{ printf "%q" .Data.data.password }}
{{- range $k, $v := .Data.data.labels }}
LABEL_{{ $k | toUpper }}={{ $v }}
{{- end }}
META={{ .Data.metadata | toJSON }}
{{- end }}
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main() {
  const coffer = await startCoffer();
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const client = new VaultClient({ address: coffer.addr });
  try {
    for (let s = 0; s < SECRETS; s++) {
      await coffer.api('POST', `secret/data/app-${s}`, { data: { user: `user-${s}`, password: `p"${s}`, labels: { team: 'core', tier: String(s % 3) } } });
    }
    const source = new VaultSource({
      client, logger: silentLogger(), staticSecretRenderInterval: 3600, leaseRenewalThreshold: 0.9, numRetries: 0,
      onChange: () => undefined, onError: (e) => { throw e; }, onInvalidToken: () => undefined,
    });
    source.setToken(coffer.rootToken);

    // engine: parsed once, executed against the warm cache.
    const used = new Set<string>();
    const ds = source.forRender(used);
    const tmpls = Array.from({ length: TEMPLATES }, (_, i) => parseConsulTemplate(TEXT(i), { data: ds }));
    for (const t of tmpls) await t.execute(undefined); // warm the cache (HTTP happens here only)
    const engine: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      for (const t of tmpls) await t.execute(undefined);
      engine.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }

    // baseline: the same output from a JS template literal over plain objects.
    const data = Array.from({ length: SECRETS }, (_, s) => ({ user: `user-${s}`, password: `p"${s}`, labels: { team: 'core', tier: String(s % 3) }, metadata: { version: 1 } }));
    const literal = (i: number) => {
      const d = data[i % SECRETS]!;
      let out = `# generated for instance ${i}\nDB_USER=${d.user}\nDB_PASSWORD=${JSON.stringify(d.password)}`;
      for (const k of Object.keys(d.labels).sort()) out += `\nLABEL_${k.toUpperCase()}=${(d.labels as Record<string, string>)[k]}`;
      return out + `\nMETA=${JSON.stringify(d.metadata)}\n`;
    };
    const base: number[] = [];
    let sink = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < TEMPLATES; i++) sink += literal(i).length;
      base.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }

    const onDisk = await runnerRate(coffer, source, dir);
    const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/bench-agent-') : undefined;
    const onTmpfs = shm ? await runnerRate(coffer, source, shm) : undefined;
    if (shm) rmSync(shm, { recursive: true, force: true });
    const writeFloor = await writeRate(dir);
    source.stop();

    const rate = (ms: number) => Math.round((TEMPLATES / ms) * 1000);
    console.log(`templates: ${TEMPLATES}, rounds: ${ROUNDS} (median shown), secrets: ${SECRETS}`);
    console.log(`baseline (JS template literal): ${rate(median(base)).toLocaleString('en')} renders/s`);
    console.log(`engine (execute, cached secrets): ${rate(median(engine)).toLocaleString('en')} renders/s  (${(median(engine) / median(base)).toFixed(1)}× the baseline's time)`);
    if (onTmpfs) console.log(`runner on tmpfs (render + compare + fsynced atomic write): ${rate(onTmpfs).toLocaleString('en')} renders/s`);
    console.log(`runner on disk (render + compare + fsynced atomic write): ${rate(onDisk).toLocaleString('en')} renders/s  (write-only floor on this disk: ${rate(writeFloor).toLocaleString('en')} files/s)`);
    console.log(`goal ≥ 1,000 renders/s from cached secrets: ${rate(median(engine)) >= 1000 ? 'met' : 'NOT met'} (engine)${onTmpfs ? `, ${rate(onTmpfs) >= 1000 ? 'met' : 'NOT met'} (runner on tmpfs)` : ''}`);
    if (sink < 0) console.log(sink);
  } finally {
    client.close();
    await coffer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The runner re-rendering every file template after a change; returns the median ms per round. */
async function runnerRate(coffer: Awaited<ReturnType<typeof startCoffer>>, source: VaultSource, dir: string): Promise<number> {
    let rendered = 0;
    const runner = new TemplateRunner({
      templates: Array.from({ length: TEMPLATES }, (_, i) => ({
        contents: TEXT(i) + `{{ with secret "secret/data/round" }}ROUND={{ .Data.data.n }}{{ end }}\n`,
        destination: join(dir, `t${i}.env`), createDestDirs: true, backup: false, commandTimeout: 30, errorOnMissingKey: false,
        errorFatal: true, waitMin: 0, waitMax: 0, functionDenylist: [],
      })),
      source, logger: silentLogger(), onFatal: (e) => { throw e; }, onRendered: () => rendered++,
    });
    await coffer.api('POST', 'secret/data/round', { data: { n: 0 } });
    runner.start();
    await runner.idle();
    const runnerMs: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      await coffer.api('POST', 'secret/data/round', { data: { n: r } });
      source.reset(); // forget the cache…
      source.setToken(coffer.rootToken);
      for (let s = 0; s < SECRETS; s++) await source.forRender(new Set()).secret(`secret/data/app-${s}`, undefined); // …and warm it again, untimed
      await source.forRender(new Set()).secret('secret/data/round', undefined);
      rendered = 0;
      const t0 = process.hrtime.bigint();
      runner.start();
      await runner.idle();
      runnerMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (rendered !== TEMPLATES) throw new Error(`rendered ${rendered} of ${TEMPLATES}`);
    }
    if (!readFileSync(join(dir, 't0.env'), 'utf8').includes(`ROUND=${ROUNDS}`)) throw new Error('runner output is stale');
    runner.stop();
    return median(runnerMs);
}

/** The same number of fsynced atomic writes without any templating. */
async function writeRate(dir: string): Promise<number> {
  const ms: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: TEMPLATES }, (_, i) => renderToFile({ path: join(dir, `w${i}.env`), contents: `round ${r}\n`, createDestDirs: true, backup: false })));
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ms);
}

await main();
