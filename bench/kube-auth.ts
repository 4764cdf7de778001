/**
 * Kubernetes logins per second over HTTP:
 *   - `kubernetes` auth: every login is a TokenReview to the Kubernetes API test server (loopback HTTPS);
 *   - `jwt` auth with OIDC discovery: the service-account token is verified locally against the
 *     cluster's cached JWKS, no round trip;
 * each with its ratio to a bare jose jwtVerify loop over the same token and key set, measured
 * in the same run (the floor a login cannot beat: signature check only).
 *
 * Coffer and the test cluster each run in a child process; this process generates the load.
 * Options: BENCH_SECONDS per measurement (default 3), BENCH_CONNECTIONS (default 10).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { fmt, load, loopDelay, ratio, type LoadResult } from './lib/load.js';

interface ClusterInfo { url: string; caPem: string; issuer: string; reviewerJwt: string; appJwt: string; jwks: unknown }

/** Child: the test cluster with a reviewer (system:auth-delegator) and an application service account. */
async function serveCluster(): Promise<void> {
  const { startKubeTestServer, serviceAccountSubject } = await import('../src/kube/testing/index.js');
  const kube = await startKubeTestServer();
  await kube.createNamespace('app');
  await kube.createServiceAccount('app', 'web');
  await kube.createNamespace('coffer');
  await kube.createServiceAccount('coffer', 'reviewer');
  await kube.bindClusterRole(serviceAccountSubject('coffer', 'reviewer'), 'system:auth-delegator');
  await kube.bindClusterRole({ kind: 'Group', name: 'system:unauthenticated' }, 'system:service-account-issuer-discovery');
  const info: ClusterInfo = {
    url: kube.url, caPem: kube.caPem, issuer: kube.issuer,
    reviewerJwt: await kube.createToken('coffer', 'reviewer', { expirationSeconds: 86400 }),
    appJwt: await kube.createToken('app', 'web', { audiences: ['coffer'], expirationSeconds: 86400 }),
    jwks: await kube.cluster.signer.jwks(),
  };
  const delay = loopDelay();
  process.stdout.write(JSON.stringify(info) + '\n');
  await waitForStop();
  process.stdout.write(JSON.stringify(delay.stop()) + '\n');
  await kube.close();
  process.exit(0);
}

/** Child: a dev Coffer. */
async function serveCoffer(): Promise<void> {
  const { startCoffer } = await import('../test/support/server.js');
  const c = await startCoffer({ storage: 'memory' });
  const delay = loopDelay();
  process.stdout.write(JSON.stringify({ addr: c.addr, token: c.rootToken }) + '\n');
  await waitForStop();
  process.stdout.write(JSON.stringify(delay.stop()) + '\n');
  await c.stop();
  process.exit(0);
}

async function waitForStop(): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) if (line.trim() === 'stop') return;
  process.exit(1); // the parent went away
}

async function spawnChild<T>(role: 'cluster' | 'coffer'): Promise<{ info: T; stop(): Promise<{ p99ms: number; maxms: number }> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--serve=${role}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new Error(`${role} exited before it was ready`);
  return {
    info: JSON.parse(first.value) as T,
    async stop() {
      child.stdin!.write('stop\n');
      const last = await lines.next();
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      return last.done ? { p99ms: NaN, maxms: NaN } : JSON.parse(last.value);
    },
  };
}

/** Verifications per second of jose's jwtVerify with a local JWKS, in this process (no HTTP). */
async function joseLoop(token: string, jwks: unknown, issuer: string, seconds: number): Promise<number> {
  const keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await jwtVerify(token, keys, { issuer, audience: 'coffer' });
    n += 50;
  }
  return n / seconds;
}

async function api(addr: string, token: string, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${addr}/v1/${path}`, { method, headers: { 'x-vault-token': token, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

async function bench(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 3);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const [cluster, coffer] = await Promise.all([spawnChild<ClusterInfo>('cluster'), spawnChild<{ addr: string; token: string }>('coffer')]);
  const k = cluster.info;
  const { addr, token } = coffer.info;
  await api(addr, token, 'POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
  await api(addr, token, 'POST', 'auth/kubernetes/config', { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerJwt });
  await api(addr, token, 'POST', 'auth/kubernetes/role/web', { bound_service_account_names: 'web', bound_service_account_namespaces: 'app', audience: 'coffer', token_policies: 'app' });
  await api(addr, token, 'POST', 'sys/auth/jwt', { type: 'jwt' });
  await api(addr, token, 'POST', 'auth/jwt/config', { oidc_discovery_url: k.issuer, oidc_discovery_ca_pem: k.caPem, bound_issuer: k.issuer });
  await api(addr, token, 'POST', 'auth/jwt/role/web', { role_type: 'jwt', user_claim: 'sub', bound_audiences: 'coffer', bound_claims: { '/kubernetes.io/namespace': 'app' }, token_policies: 'app' });

  const login = (mount: string): Promise<LoadResult> => load({
    url: `${addr}/v1/auth/${mount}/login`, method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'web', jwt: k.appJwt }), connections, duration: seconds,
  });
  await login('kubernetes'); // warm-up: connection pools, JIT
  const kubeLogins = await login('kubernetes');
  await login('jwt');
  const jwtLogins = await login('jwt');
  const floor = await joseLoop(k.appJwt, k.jwks, k.issuer, seconds);
  const [clusterDelay, cofferDelay] = await Promise.all([cluster.stop(), coffer.stop()]);

  console.log([
    `Kubernetes logins over HTTP, ${connections} connections, ${seconds} s each`,
    `  kubernetes (TokenReview)   ${fmt(kubeLogins)}`,
    `                             ${ratio(kubeLogins.rps, floor)} of the bare jose verify loop`,
    `  jwt (local JWKS)           ${fmt(jwtLogins)}`,
    `                             ${ratio(jwtLogins.rps, floor)} of the bare jose verify loop`,
    `  jose jwtVerify loop        ${floor.toFixed(0).padStart(7)} verifications/s (one core, no HTTP)`,
    `  coffer event-loop delay p99 ${cofferDelay.p99ms.toFixed(2)} ms; cluster p99 ${clusterDelay.p99ms.toFixed(2)} ms`,
  ].join('\n'));
  if (kubeLogins.non2xx || jwtLogins.non2xx) {
    console.log('  some logins failed: the numbers above are not valid');
    process.exitCode = 1;
  }
}

const serveArg = process.argv.find((a) => a.startsWith('--serve='))?.slice('--serve='.length);
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (serveArg === 'cluster') await serveCluster();
  else if (serveArg === 'coffer') await serveCoffer();
  else await bench();
}
