/**
 * `coffer k8s kubeconfig`: a kubeconfig with a short-lived client certificate for the current
 * Coffer identity. CN is the identity's name; O is a Kubernetes group one of its Coffer groups
 * entitles it to (the group policies "coffer k8s pki init -user-groups" creates). Whoever
 * leaves the Coffer group can no longer get one (seed 000: access ends when you leave the team).
 */
import { writeFileSync } from 'node:fs';
import YAML from 'yaml';
import type { VaultClient } from '../api/client.js';
import { LOGIN_METHODS } from './commands/login-methods.js';
import { attempt, errorText, type Command, type Context } from './command.js';
import { checkClusterId, mountPath, userPolicy, userRole } from './k8s-pki-layout.js';

const b64 = (s: string) => Buffer.from(s.endsWith('\n') ? s : `${s}\n`).toString('base64');

export function kubeconfigYaml(o: { cluster: string; server: string; user: string; caPem: string; certPem: string; keyPem: string }): string {
  const ctxName = `${o.user}@${o.cluster}`;
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.cluster, cluster: { server: o.server, 'certificate-authority-data': b64(o.caPem) } }],
    users: [{ name: ctxName, user: { 'client-certificate-data': b64(o.certPem), 'client-key-data': b64(o.keyPem) } }],
    contexts: [{ name: ctxName, context: { cluster: o.cluster, user: ctxName } }],
    'current-context': ctxName,
    preferences: {},
  });
}

/** The Kubernetes groups the token's policies entitle it to, from the policy names init writes. */
export function entitledGroups(cluster: string, policies: string[]): string[] {
  const prefix = userPolicy(cluster, '');
  return [...new Set(policies.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).filter(Boolean))].sort();
}

async function loginIfAsked(ctx: Context): Promise<VaultClient> {
  const method = ctx.flags['method'] as string | undefined;
  if (!method) return ctx.client();
  const m = LOGIN_METHODS[method];
  if (!m) throw new Error(`Unknown auth method: ${method}. Use "coffer auth list" to see the enabled methods.`);
  const cfg: Record<string, string> = {};
  for (const a of ctx.args) {
    const eq = a.indexOf('=');
    if (eq < 1) throw new Error(`Invalid key/value pair "${a}": expected K=V`);
    cfg[a.slice(0, eq)] = a.slice(eq + 1);
  }
  if (ctx.flags['path']) cfg.mount = ctx.flags['path'];
  const client = ctx.clientWithoutToken();
  const secret = await m.login(client, cfg, ctx.io, !!ctx.flags['non-interactive']);
  const token = secret.auth?.client_token;
  if (!token) throw new Error('the login returned no token');
  client.token = token;
  return client;
}

export const k8sKubeconfig: Command = {
  name: 'k8s kubeconfig',
  synopsis: 'Write a kubeconfig with a short-lived certificate for your identity',
  help: `Usage: coffer k8s kubeconfig -cluster=ID -server=URL [options] [K=V...]

  Issues a client certificate from the cluster's Kubernetes CA for the identity behind
  the current token (or the one -method logs in) and writes a kubeconfig using it. The
  certificate's CN is the identity's name; its O is the Kubernetes group granted by one
  of the identity's Coffer groups (see "coffer k8s pki init -user-groups"). Remove
  someone from the Coffer group and they cannot get another one.

      $ coffer k8s kubeconfig -cluster=c1 -server=https://k8s.example.com:6443 -ttl=2h > ~/.kube/config
      $ coffer k8s kubeconfig -cluster=c1 -server=https://10.0.0.10:6443 -out=jane.conf -method=userpass username=jane`,
  flags: [
    { name: 'cluster', kind: 'string', usage: 'The cluster id.' },
    { name: 'server', kind: 'string', usage: 'The Kubernetes API server URL written into the kubeconfig.' },
    { name: 'ttl', kind: 'string', default: '2h', usage: 'Lifetime of the client certificate (capped by the role, 24h).' },
    { name: 'group', kind: 'string', usage: 'The Kubernetes group (O) to use when several are granted.' },
    { name: 'out', kind: 'string', usage: 'Write the kubeconfig to this file (mode 0600) instead of stdout.' },
    { name: 'method', kind: 'string', usage: 'Log in with this auth method first (userpass, ldap, approle, …); K=V arguments configure it.' },
    { name: 'path', kind: 'string', usage: 'Mount path of the -method auth method, when not its default.' },
  ],
  async run(ctx) {
    const f = ctx.flags;
    const cluster = String(f['cluster'] ?? '').trim();
    const server = String(f['server'] ?? '').trim();
    if (!cluster || !server) return ctx.fail('-cluster and -server are required', 1);
    const badId = checkClusterId(cluster);
    if (badId) return ctx.fail(badId, 1);
    if (!f['method'] && ctx.args.length) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length}); K=V arguments go with -method`, 1);
    const login = await attempt(ctx, 'Error logging in', () => loginIfAsked(ctx));
    if (!login.ok) return login.code;
    const client = login.value;

    const who = await attempt(ctx, 'Error looking up the token', async () => {
      const self = (await client.read('auth/token/lookup-self'))?.data ?? {};
      const entityId = String(self.entity_id ?? '');
      if (!entityId) throw new Error('this token has no identity (entity); log in with an auth method, e.g. -method=userpass username=NAME');
      const entity = (await client.read(`identity/entity/id/${entityId}`))?.data;
      if (!entity?.name) throw new Error(`cannot read the token's entity ${entityId}`);
      return { name: String(entity.name), policies: [...(self.policies ?? []), ...(self.identity_policies ?? [])] as string[] };
    });
    if (!who.ok) return who.code;
    const groups = entitledGroups(cluster, who.value.policies);
    let group = f['group'] as string | undefined;
    if (!group) {
      if (!groups.length) return ctx.fail(`Error: none of ${who.value.name}'s Coffer groups grants a Kubernetes group in cluster ${cluster}`, 2);
      if (groups.length > 1) return ctx.fail(`Error: ${who.value.name} may use several Kubernetes groups (${groups.join(', ')}); choose one with -group`, 2);
      group = groups[0]!;
    }
    const k8s = mountPath(cluster, 'k8s');
    const issued = await attempt(ctx, `Error issuing a certificate for ${who.value.name} in group ${group}`, () => client.write(`${k8s}/issue/${userRole(group!)}`, { common_name: who.value.name, ttl: f['ttl'] }));
    if (!issued.ok) return issued.code;
    const d = issued.value?.data ?? {};
    const yaml = kubeconfigYaml({
      cluster, server, user: who.value.name, caPem: ((d.ca_chain as string[] | undefined) ?? [d.issuing_ca]).join('\n'),
      certPem: d.certificate, keyPem: d.private_key,
    });
    if (f['out']) {
      try {
        writeFileSync(String(f['out']), yaml, { mode: 0o600 });
      } catch (e) {
        return ctx.fail(`Error writing ${f['out']}: ${errorText(e)}`, 2);
      }
      const exp = new Date(Number(d.expiration) * 1000).toISOString();
      ctx.ui.error(`Wrote ${f['out']}: ${who.value.name} (O=${group}) in cluster ${cluster}, valid until ${exp}.`);
    } else {
      ctx.io.stdout.write(yaml);
    }
    return 0;
  },
};
