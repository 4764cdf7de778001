/** `coffer k8s pki init`: a cluster's whole certificate authority layout, created idempotently. */
import { attempt, type Command } from './command.js';
import { checkClusterId, checkGroup, type LayoutOptions } from './k8s-pki-layout.js';
import { Planner, type RootMode } from './k8s-pki-plan.js';

export const k8sPkiInit: Command = {
  name: 'k8s pki init',
  synopsis: 'Create a Kubernetes cluster\'s CAs, roles, policies and token roles',
  help: `Usage: coffer k8s pki init -cluster=ID [options]

  Sets up everything a Kubernetes cluster needs from Coffer, under ID/pki/:

    - three CAs, each its own pki mount: ID/pki/etcd, ID/pki/k8s, ID/pki/front-proxy
      (a root CA each, or with -offline-root-csr-out an intermediate whose CSR an
      offline root signs);
    - a role for every certificate kubeadm creates (kube-apiserver, apiserver-kubelet-
      client, apiserver-etcd-client, front-proxy-client, kube-controller-manager,
      kube-scheduler, admin, kube-proxy, kubelet, etcd server/peer/healthcheck-client)
      with kubeadm's subjects and key usages, and a policy for each;
    - a periodic orphan token role per node class (k8s-ID-control-plane, k8s-ID-etcd,
      k8s-ID-worker) allowed only that class's policies;
    - the service-account signing key, in KV at <kv-mount>/ID/k8s/token;
    - with -user-groups, a role and a policy per group for "coffer k8s kubeconfig".

  Running it again changes only what differs; -dry-run prints the plan.

      $ coffer k8s pki init -cluster=c1
      $ coffer k8s pki init -cluster=c1 -user-groups=dev,ops -dry-run
      $ coffer k8s pki init -cluster=c1 -offline-root-csr-out=./csr`,
  flags: [
    { name: 'cluster', kind: 'string', usage: 'The cluster id; everything is created under ID/pki/.' },
    { name: 'root', kind: 'string', default: 'internal', usage: '"internal": Coffer generates a root CA per mount (default).' },
    { name: 'offline-root-csr-out', kind: 'string', usage: 'Directory for the intermediate CSRs (etcd.csr, k8s.csr, front-proxy.csr) an offline root signs; replaces -root.' },
    { name: 'user-groups', kind: 'strings', usage: 'Coffer groups whose members may get kubeconfig certificates with that group as O; comma-separated or repeated.' },
    { name: 'key-type', kind: 'string', default: 'rsa', usage: 'Key type of component certificates: "rsa" (kubeadm\'s choice) or "ec".' },
    { name: 'key-bits', kind: 'int', default: 0, usage: 'Key size; 0 means 2048 for RSA and 256 for EC.' },
    { name: 'ca-key-type', kind: 'string', default: 'rsa', usage: 'Key type of the CAs.' },
    { name: 'ca-key-bits', kind: 'int', default: 0, usage: 'Key size of the CAs; 0 means 2048 for RSA and 256 for EC.' },
    { name: 'kv-mount', kind: 'string', default: 'secret', usage: 'KV mount for the service-account signing key (enabled as KV v2 when missing).' },
    { name: 'dry-run', kind: 'bool', usage: 'Print the plan without changing anything.' },
  ],
  async run(ctx) {
    if (ctx.args.length) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const f = ctx.flags;
    const cluster = String(f['cluster'] ?? '').trim();
    if (!cluster) return ctx.fail('Missing -cluster', 1);
    const badId = checkClusterId(cluster);
    if (badId) return ctx.fail(badId, 1);
    const groups = ((f['user-groups'] as string[] | undefined) ?? []).flatMap((g) => g.split(',')).map((g) => g.trim()).filter(Boolean);
    for (const g of groups) {
      const bad = checkGroup(g);
      if (bad) return ctx.fail(bad, 1);
    }
    const keyType = String(f['key-type']);
    if (keyType !== 'rsa' && keyType !== 'ec') return ctx.fail(`invalid -key-type "${keyType}": "rsa" or "ec"`, 1);
    const csrDir = f['offline-root-csr-out'] as string | undefined;
    if (csrDir && ctx.set.has('root')) return ctx.fail('-root and -offline-root-csr-out exclude each other', 1);
    if (!csrDir && f['root'] !== 'internal') return ctx.fail(`invalid -root "${f['root']}": only "internal" (or -offline-root-csr-out for an offline root)`, 1);
    const caKeyType = String(f['ca-key-type']);
    const bits = (t: string, b: number) => b || (t === 'ec' ? 256 : 2048);
    const root: RootMode = { kind: csrDir ? 'offline' : 'internal', csrDir, caKeyType, caKeyBits: bits(caKeyType, Number(f['ca-key-bits'])) };
    const client = ctx.client();

    const res = await attempt(ctx, `Error planning cluster ${cluster}`, async () => {
      const mounts = (await client.read('sys/mounts'))?.data ?? {};
      const kvMount = String(f['kv-mount']).replace(/^\/+|\/+$/g, '');
      const kv = mounts[`${kvMount}/`];
      if (kv && kv.type !== 'kv') throw new Error(`${kvMount}/ is mounted, but as ${kv.type}, not kv`);
      const o: LayoutOptions = {
        cluster, keyType, keyBits: bits(keyType, Number(f['key-bits'])), userGroups: groups, kvMount,
        kvVersion: !kv || String(kv.options?.version ?? '1') === '2' ? 2 : 1,
      };
      const planner = new Planner(client, o, root);
      await planner.build(mounts);
      return planner;
    });
    if (!res.ok) return res.code;
    const planner = res.value;
    const n = planner.actions.length;
    if (!n) {
      ctx.ui.output(`No changes: cluster ${cluster} is up to date.`);
      return 0;
    }
    if (f['dry-run']) {
      ctx.ui.output(`Plan for cluster ${cluster} (dry run, nothing was changed):`);
      for (const a of planner.actions) ctx.ui.output(`  + ${a.text}`);
      ctx.ui.output(`${n} change${n === 1 ? '' : 's'}.`);
      return 0;
    }
    for (const a of planner.actions) {
      const r = await attempt(ctx, `Error while applying "${a.text}"`, () => a.apply());
      if (!r.ok) return r.code;
      ctx.ui.output(`  + ${a.text}`);
    }
    ctx.ui.output(`Success! ${n} change${n === 1 ? '' : 's'} applied to cluster ${cluster}.`);
    if (planner.notes.length) {
      ctx.ui.output('\nNext steps:');
      for (const note of planner.notes) ctx.ui.output(`  ${note}`);
    }
    return 0;
  },
};
