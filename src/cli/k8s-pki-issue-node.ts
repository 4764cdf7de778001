/**
 * `coffer k8s pki issue-node`: one machine's certificates, written in kubeadm's layout
 * (/etc/kubernetes/pki): ca.crt, apiserver.crt/key, etcd/…, front-proxy-…, sa.key/sa.pub.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError, type VaultClient } from '../api/client.js';
import { attempt, type Command } from './command.js';
import {
  COMPONENTS, NODE_CLASSES, checkClusterId, mountPath, nodeCerts, serviceAccountKeyPath, type CaName, type NodeClass, type NodeNames,
} from './k8s-pki-layout.js';

/** CA bundle file per CA, as kubeadm names them. */
const CA_FILES: Record<CaName, string> = { k8s: 'ca.crt', etcd: 'etcd/ca.crt', 'front-proxy': 'front-proxy-ca.crt' };

function write(dir: string, file: string, content: string, secret = false): void {
  const p = join(dir, file);
  mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
  writeFileSync(p, content.endsWith('\n') ? content : `${content}\n`, { mode: secret ? 0o600 : 0o644 });
}

/** The service-account key pair; the policy names one KV layout, so try v2 then v1. */
async function readServiceAccountKey(c: VaultClient, cluster: string, kvMount: string): Promise<{ key: string; public_key: string } | undefined> {
  for (const kvVersion of [2, 1] as const) {
    try {
      const s = await c.read(serviceAccountKeyPath({ cluster, kvMount, kvVersion }));
      const d = kvVersion === 2 ? s?.data?.data : s?.data;
      if (d?.key) return d as { key: string; public_key: string };
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 403 && e.status !== 404)) throw e;
    }
  }
  return undefined;
}

export const k8sPkiIssueNode: Command = {
  name: 'k8s pki issue-node',
  synopsis: 'Write one node\'s certificates in kubeadm\'s file layout',
  help: `Usage: coffer k8s pki issue-node -cluster=ID -node=NAME -out=DIR [options]

  Issues the certificates a node of -class needs from the cluster's CAs and writes
  them the way kubeadm lays out /etc/kubernetes/pki:

    control-plane  ca.crt, apiserver.{crt,key}, apiserver-kubelet-client.*,
                   apiserver-etcd-client.*, front-proxy-ca.crt, front-proxy-client.*,
                   sa.key, sa.pub, controller-manager.*, scheduler.*, admin.*,
                   kube-proxy.*, kubelet/kubelet.{crt,key}, kubelet/kubelet-client-
                   current.pem, and (stacked etcd) etcd/ca.crt, etcd/server.*,
                   etcd/peer.*, etcd/healthcheck-client.*
    etcd           etcd/ca.crt, etcd/server.*, etcd/peer.*, etcd/healthcheck-client.*
    worker         ca.crt, kubelet/…, kube-proxy.*

  It uses the current token: on a node, a token created from the node class's token
  role (coffer token create -role=k8s-ID-worker -policy=…). Keys are written 0600.

      $ coffer k8s pki issue-node -cluster=c1 -node=cp-1 -ip=10.0.0.11 -out=/etc/kubernetes/pki
      $ coffer k8s pki issue-node -cluster=c1 -class=worker -node=w-1 -ip=10.0.0.21 -out=/etc/kubernetes/pki`,
  flags: [
    { name: 'cluster', kind: 'string', usage: 'The cluster id.' },
    { name: 'node', kind: 'string', usage: 'The node name (kubelet CN system:node:NAME, etcd member name).' },
    { name: 'out', kind: 'string', usage: 'Directory to write the files to (created if missing).' },
    { name: 'class', kind: 'string', default: 'control-plane', usage: 'Node class: control-plane, etcd or worker.' },
    { name: 'ip', kind: 'strings', usage: 'The node\'s IP addresses (SANs); comma-separated or repeated.' },
    { name: 'service-ip', kind: 'string', default: '10.96.0.1', usage: 'First IP of the service CIDR (kubernetes.default), a kube-apiserver SAN.' },
    { name: 'dns-domain', kind: 'string', default: 'cluster.local', usage: 'Cluster DNS domain, for kubernetes.default.svc.DOMAIN.' },
    { name: 'apiserver-names', kind: 'strings', usage: 'Extra kube-apiserver SANs (load balancer names); comma-separated or repeated.' },
    { name: 'external-etcd', kind: 'bool', usage: 'Control-plane node without stacked etcd: no etcd member certificates.' },
    { name: 'kv-mount', kind: 'string', default: 'secret', usage: 'KV mount holding the service-account signing key.' },
    { name: 'ttl', kind: 'string', usage: 'Certificate TTL (default: the role\'s, 720h).' },
  ],
  async run(ctx) {
    if (ctx.args.length) return ctx.fail(`Too many arguments (expected 0, got ${ctx.args.length})`, 1);
    const f = ctx.flags;
    const cluster = String(f['cluster'] ?? '').trim();
    const node = String(f['node'] ?? '').trim();
    const out = String(f['out'] ?? '').trim();
    if (!cluster || !node || !out) return ctx.fail('-cluster, -node and -out are required', 1);
    const badId = checkClusterId(cluster);
    if (badId) return ctx.fail(badId, 1);
    const cls = String(f['class']) as NodeClass;
    if (!NODE_CLASSES.includes(cls)) return ctx.fail(`invalid -class "${cls}": one of ${NODE_CLASSES.join(', ')}`, 1);
    const split = (v: unknown) => ((v as string[] | undefined) ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    const names: NodeNames = { node, ips: split(f['ip']), serviceIp: String(f['service-ip']), dnsDomain: String(f['dns-domain']), apiserverNames: split(f['apiserver-names']) };
    const client = ctx.client();
    const certs = nodeCerts(cls, !!f['external-etcd']);
    const written: string[] = [];
    const cas = new Set<CaName>();
    for (const cert of certs) {
      const comp = COMPONENTS.find((c) => c.role === cert.component)!;
      const path = `${mountPath(cluster, comp.ca)}/issue/${comp.role}`;
      const body: Record<string, unknown> = { common_name: cert.commonName(node) };
      const alt = cert.altNames(names);
      const ips = cert.ipSans(names);
      if (alt.length) body.alt_names = [...new Set(alt)].join(',');
      if (ips.length) body.ip_sans = [...new Set(ips)].join(',');
      if (f['ttl']) body.ttl = f['ttl'];
      const r = await attempt(ctx, `Error issuing ${cert.file}.crt (${path})`, () => client.write(path, body));
      if (!r.ok) return r.code;
      const d = r.value?.data ?? {};
      write(out, `${cert.file}.crt`, d.certificate);
      write(out, `${cert.file}.key`, d.private_key, true);
      written.push(`${cert.file}.crt`, `${cert.file}.key`);
      if (cert.component === 'kubelet') {
        write(out, 'kubelet/kubelet-client-current.pem', `${d.certificate}\n${d.private_key}`, true);
        written.push('kubelet/kubelet-client-current.pem');
      }
      if (!cas.has(comp.ca)) {
        cas.add(comp.ca);
        write(out, CA_FILES[comp.ca], ((d.ca_chain as string[] | undefined) ?? [d.issuing_ca]).join('\n'));
        written.push(CA_FILES[comp.ca]);
      }
    }
    if (cls === 'control-plane') {
      const r = await attempt(ctx, 'Error reading the service-account signing key', () => readServiceAccountKey(client, cluster, String(f['kv-mount'])));
      if (!r.ok) return r.code;
      if (!r.value) return ctx.fail(`Error reading the service-account signing key: nothing at ${serviceAccountKeyPath({ cluster, kvMount: String(f['kv-mount']), kvVersion: 2 })} (run "coffer k8s pki init -cluster=${cluster}")`, 2);
      write(out, 'sa.key', r.value.key, true);
      write(out, 'sa.pub', r.value.public_key);
      written.push('sa.key', 'sa.pub');
    }
    ctx.ui.output(`Success! Wrote ${written.length} files for ${cls} node ${node} to ${out}:`);
    for (const w of written.sort()) ctx.ui.output(`  ${w}`);
    return 0;
  },
};
