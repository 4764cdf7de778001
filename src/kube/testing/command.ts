/**
 * `coffer dev kube-apiserver`: runs the Kubernetes API test server as a local demo cluster until
 * SIGINT/SIGTERM, after writing DIR/ca.crt and DIR/admin.kubeconfig (cluster-admin bearer token).
 * State is in memory. The CLI wires this function in; it returns the process exit code.
 */
import { join } from 'node:path';
import { parseFlags, renderFlagHelp, UsageError, wantsHelp, type FlagSpec } from '../../cli/flags.js';
import { startKubeTestServer } from './index.js';

const FLAGS: FlagSpec[] = [
  { name: 'listen', kind: 'string', default: '127.0.0.1:6443', usage: 'Address to listen on, host:port (port 0 picks a free port).' },
  { name: 'dir', kind: 'string', default: '', usage: 'Directory where ca.crt and admin.kubeconfig are written. Required.' },
  { name: 'issuer', kind: 'string', default: '', usage: 'Service-account token issuer (iss). Defaults to the server URL, which makes OIDC discovery work against it.' },
  { name: 'api-audiences', kind: 'strings', default: [], usage: 'Audiences the API server accepts (--api-audiences). Defaults to the issuer. Repeatable or comma-separated.' },
  { name: 'legacy-sa-tokens', kind: 'bool', default: false, usage: 'Create a <name>-token-xxxxx Secret for every new ServiceAccount, as clusters before 1.24 did.' },
  { name: 'max-token-expiration', kind: 'duration', default: 0, usage: 'Longest TokenRequest lifetime; longer requests are shortened (--service-account-max-token-expiration).' },
];

const HELP = `Usage: coffer dev kube-apiserver -dir=DIR [-listen=127.0.0.1:6443] [options]

  Runs a local Kubernetes API server for demos and tests: the REST paths, verbs and
  JSON of the parts Coffer uses (TokenReview, ServiceAccount, TokenRequest, Secret,
  Namespace, Pod, RBAC, MutatingWebhookConfiguration), bearer-token authentication,
  RBAC, and service-account token signing with OIDC discovery. State is in memory.

  It writes DIR/ca.crt and DIR/admin.kubeconfig (a cluster-admin bearer token), so:

      $ coffer dev kube-apiserver -listen=127.0.0.1:6443 -dir=/tmp/kube &
      $ export KUBECONFIG=/tmp/kube/admin.kubeconfig
      $ kubectl create namespace app-namespace

`;

function splitHostPort(listen: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(listen) ?? /^([^:]+):(\d+)$/.exec(listen);
  if (!m) throw new UsageError(`invalid -listen "${listen}": expected host:port`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`invalid -listen "${listen}": port out of range`);
  return { host: m[1]!, port };
}

export async function runKubeApiserverCommand(args: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  if (wantsHelp(args)) { err.write(HELP + renderFlagHelp(FLAGS)); return 0; }
  let host: string;
  let port: number;
  let flags: Record<string, any>;
  try {
    const parsed = parseFlags(args, FLAGS);
    flags = parsed.flags;
    if (parsed.args.length) throw new UsageError(`Too many arguments (expected 0, got ${parsed.args.length})`);
    if (!flags.dir) throw new UsageError('Missing -dir: the directory to write ca.crt and admin.kubeconfig to');
    ({ host, port } = splitHostPort(flags.listen));
  } catch (e) {
    if (e instanceof UsageError) { err.write(`${e.message}\n\n${HELP}${renderFlagHelp(FLAGS)}`); return 1; }
    throw e;
  }
  let server;
  try {
    server = await startKubeTestServer({
      host, port, dir: flags.dir, issuer: flags.issuer || undefined,
      apiAudiences: (flags['api-audiences'] as string[]).length ? flags['api-audiences'] : undefined,
      legacyTokenSecrets: flags['legacy-sa-tokens'], maxTokenExpirationSeconds: flags['max-token-expiration'] || undefined,
    });
  } catch (e) {
    err.write(`Error starting the Kubernetes API server: ${(e as Error).message}\n`);
    return 1;
  }
  out.write([
    `Kubernetes API test server listening on ${server.url}`,
    `  CA certificate: ${join(flags.dir, 'ca.crt')}`,
    `  Kubeconfig:     ${join(flags.dir, 'admin.kubeconfig')} (cluster-admin)`,
    `  Issuer:         ${server.issuer}`,
    '',
    `  export KUBECONFIG=${join(flags.dir, 'admin.kubeconfig')}`,
    '',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
