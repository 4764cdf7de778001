/**
 * ACL cost on the hot path: KV v2 reads with the root token (no policy evaluation) against
 * reads with a token carrying 10 policies of 50 paths each, in the same run, alternating
 * rounds. The goal (issue 3): the policy token costs under 5% of the root token's rate.
 * Coffer runs in a child process so the load generator does not share its event loop.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, load, type LoadResult } from './lib/load.js';

const POLICIES = 10;
const PATHS = 50;

function policyText(p: number): string {
  const rules: string[] = [];
  for (let i = 0; i < PATHS; i++) {
    const kind = i % 3;
    const path = kind === 0 ? `secret/data/team-${p}/app-${i}/*` : kind === 1 ? `secret/data/team-${p}/+/svc-${i}` : `secret/metadata/team-${p}/app-${i}`;
    rules.push(`path "${path}" {\n  capabilities = ["read", "list"]\n}`);
  }
  if (p === POLICIES - 1) rules.push('path "secret/data/bench/*" {\n  capabilities = ["read"]\n}');
  return rules.join('\n');
}

async function serve(): Promise<void> {
  const { startCoffer } = await import('../test/support/server.js');
  const c = await startCoffer({ storage: 'memory' });
  for (let p = 0; p < POLICIES; p++) await c.api('PUT', `sys/policies/acl/bench-${p}`, { policy: policyText(p) });
  await c.api('POST', 'secret/data/bench/key', { data: { foo: 'bar' } });
  const r = await c.api('POST', 'auth/token/create', { policies: Array.from({ length: POLICIES }, (_, p) => `bench-${p}`), ttl: '1h' });
  const check = await c.api('GET', 'secret/data/bench/key', undefined, r.body.auth.client_token);
  if (check.status !== 200) throw new Error(`policy token cannot read: ${check.status}`);
  process.stdout.write(JSON.stringify({ addr: c.addr, root: c.rootToken, limited: r.body.auth.client_token }) + '\n');
  for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'stop') break;
  await c.stop();
  process.exit(0);
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next();
  const { addr, root, limited } = JSON.parse(first.value as string) as { addr: string; root: string; limited: string };
  const url = `${addr}/v1/secret/data/bench/key`;
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const rootRuns: LoadResult[] = [];
  const aclRuns: LoadResult[] = [];
  await load({ url, headers: { 'x-vault-token': root }, duration: 1 }); // warm-up
  for (let i = 0; i < rounds; i++) {
    rootRuns.push(await load({ url, headers: { 'x-vault-token': root } }));
    aclRuns.push(await load({ url, headers: { 'x-vault-token': limited } }));
  }
  child.stdin!.write('stop\n');
  const median = (xs: LoadResult[]) => [...xs].sort((a, b) => a.rps - b.rps)[Math.floor(xs.length / 2)]!;
  const r = median(rootRuns);
  const a = median(aclRuns);
  console.log(`KV v2 read, root token (no ACL)        ${fmt(r)}`);
  console.log(`KV v2 read, ${POLICIES} policies x ${PATHS} paths  ${fmt(a)}`);
  const cost = (1 - a.rps / r.rps) * 100;
  console.log(`ACL cost: ${cost.toFixed(1)}% of throughput (goal < 5%)`);
}

if (process.argv.includes('--serve')) await serve();
else await main();
