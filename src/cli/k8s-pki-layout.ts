/**
 * What `coffer k8s pki init` sets up for one cluster, as data: three CAs (etcd, Kubernetes,
 * front proxy; each its own mount, as in seed 002), a role and a policy for every certificate
 * kubeadm would create, a periodic orphan token role per node class, and one role and policy
 * per user group for short-lived kubeconfig certificates. Pure: no I/O here.
 */

export type CaName = 'etcd' | 'k8s' | 'front-proxy';
export type NodeClass = 'control-plane' | 'etcd' | 'worker';

export const CAS: readonly CaName[] = ['etcd', 'k8s', 'front-proxy'];
export const NODE_CLASSES: readonly NodeClass[] = ['control-plane', 'etcd', 'worker'];

export interface LayoutOptions {
  cluster: string;
  /** Leaf key type for component certificates (kubeadm uses RSA 2048). */
  keyType: 'rsa' | 'ec';
  keyBits: number;
  userGroups: string[];
  /** KV mount holding the service-account signing key, and its version. */
  kvMount: string;
  kvVersion: 1 | 2;
}

export interface Component {
  role: string;
  ca: CaName;
  /** Fixed common name; absent for per-node certificates (CN chosen at issue time). */
  cn?: string;
  organization?: string[];
  server: boolean;
  client: boolean;
  /** Node classes whose token role may hold this component's policy. */
  classes: NodeClass[];
  /** Needs the service-account signing key (kube-apiserver, kube-controller-manager). */
  readsServiceAccountKey?: boolean;
  /** A fixed CN, but any DNS and IP SANs (the API server's names vary per installation). */
  anySans?: boolean;
}

/** Every certificate kubeadm creates, with its subject and usages (kubeadm's certs list). */
export const COMPONENTS: readonly Component[] = [
  { role: 'kube-apiserver', ca: 'k8s', cn: 'kube-apiserver', server: true, client: false, classes: ['control-plane'], readsServiceAccountKey: true, anySans: true },
  { role: 'apiserver-kubelet-client', ca: 'k8s', cn: 'kube-apiserver-kubelet-client', organization: ['system:masters'], server: false, client: true, classes: ['control-plane'] },
  { role: 'apiserver-etcd-client', ca: 'etcd', cn: 'kube-apiserver-etcd-client', server: false, client: true, classes: ['control-plane'] },
  { role: 'front-proxy-client', ca: 'front-proxy', cn: 'front-proxy-client', server: false, client: true, classes: ['control-plane'] },
  { role: 'kube-controller-manager', ca: 'k8s', cn: 'system:kube-controller-manager', server: false, client: true, classes: ['control-plane'], readsServiceAccountKey: true },
  { role: 'kube-scheduler', ca: 'k8s', cn: 'system:kube-scheduler', server: false, client: true, classes: ['control-plane'] },
  { role: 'admin', ca: 'k8s', cn: 'kubernetes-admin', organization: ['system:masters'], server: false, client: true, classes: ['control-plane'] },
  { role: 'kube-proxy', ca: 'k8s', cn: 'system:kube-proxy', server: false, client: true, classes: ['control-plane', 'worker'] },
  { role: 'kubelet', ca: 'k8s', organization: ['system:nodes'], server: true, client: true, classes: ['control-plane', 'worker'] },
  // Stacked etcd (kubeadm's default) runs on control-plane nodes; the etcd class is for external etcd.
  { role: 'etcd-server', ca: 'etcd', server: true, client: true, classes: ['etcd', 'control-plane'] },
  { role: 'etcd-peer', ca: 'etcd', server: true, client: true, classes: ['etcd', 'control-plane'] },
  { role: 'etcd-healthcheck-client', ca: 'etcd', cn: 'kube-etcd-healthcheck-client', server: false, client: true, classes: ['etcd', 'control-plane'] },
];

export const HOUR = 3600;
export const CA_TTL = 87600 * HOUR;
/** Component certificates: 30 days, renewed by the agent (seed 002 uses max_ttl=720h). */
export const COMPONENT_TTL = 720 * HOUR;
export const USER_TTL = 2 * HOUR;
export const USER_MAX_TTL = 24 * HOUR;
export const TOKEN_PERIOD = 720 * HOUR;

const CLUSTER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const GROUP = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function checkClusterId(id: string): string | undefined {
  return CLUSTER_ID.test(id) ? undefined : `invalid cluster id "${id}": use letters, digits, ".", "_" and "-"`;
}

export function checkGroup(g: string): string | undefined {
  return GROUP.test(g) ? undefined : `invalid user group "${g}": use letters, digits, ".", "_" and "-"`;
}

export const mountPath = (cluster: string, ca: CaName) => `${cluster}/pki/${ca}`;
export const caCommonName = (cluster: string, ca: CaName) => `${cluster}/pki/${ca}`;
export const componentPolicy = (cluster: string, c: Component) => `${mountPath(cluster, c.ca)}/${c.role}`;
export const tokenRoleName = (cluster: string, cls: NodeClass) => `k8s-${cluster}-${cls}`;
export const userRole = (group: string) => `user-${group}`;
export const userPolicy = (cluster: string, group: string) => `${cluster}/k8s-user-${group}`;

/** Where the service-account key lives: its API path (for reads and writes) and its policy path. */
export function serviceAccountKeyPath(o: Pick<LayoutOptions, 'cluster' | 'kvMount' | 'kvVersion'>): string {
  const mount = o.kvMount.replace(/^\/+|\/+$/g, '');
  return o.kvVersion === 2 ? `${mount}/data/${o.cluster}/k8s/token` : `${mount}/${o.cluster}/k8s/token`;
}

/** Role fields as a role read returns them (seconds, arrays), so desired and actual compare directly. */
export type RoleFields = Record<string, unknown>;

const KEY_USAGE = ['DigitalSignature', 'KeyEncipherment'];

export function componentRole(o: LayoutOptions, c: Component): RoleFields {
  const fixed = c.cn !== undefined;
  // Vault checks CN and SANs by the same rules: names must be open where SANs vary.
  const open = !fixed || !!c.anySans;
  return {
    allowed_domains: fixed ? [c.cn] : [],
    allow_bare_domains: fixed,
    allow_subdomains: false,
    allow_glob_domains: false,
    allow_any_name: open,
    // CNs such as system:kube-scheduler and system:node:<name> are no hostnames.
    enforce_hostnames: false,
    allow_localhost: open,
    allow_ip_sans: open,
    server_flag: c.server,
    client_flag: c.client,
    organization: c.organization ?? [],
    key_usage: KEY_USAGE,
    key_type: o.keyType,
    key_bits: o.keyBits,
    ttl: COMPONENT_TTL,
    max_ttl: COMPONENT_TTL,
    require_cn: true,
  };
}

export function userGroupRole(o: LayoutOptions, group: string): RoleFields {
  return {
    // The certificate's CN is the Coffer identity's name and nothing else.
    allowed_domains: ['{{identity.entity.name}}'],
    allowed_domains_template: true,
    allow_bare_domains: true,
    allow_subdomains: false,
    allow_glob_domains: false,
    allow_any_name: false,
    enforce_hostnames: false,
    allow_localhost: false,
    allow_ip_sans: false,
    server_flag: false,
    client_flag: true,
    organization: [group],
    key_usage: KEY_USAGE,
    key_type: 'ec',
    key_bits: 256,
    ttl: USER_TTL,
    max_ttl: USER_MAX_TTL,
    require_cn: true,
  };
}

export function componentPolicyText(o: LayoutOptions, c: Component): string {
  const lines = [
    `# Managed by "coffer k8s pki init": ${c.role} certificates for cluster ${o.cluster}.`,
    `path "${mountPath(o.cluster, c.ca)}/issue/${c.role}" {`,
    '  capabilities = ["update"]',
    '}',
  ];
  if (c.readsServiceAccountKey) lines.push(`path "${serviceAccountKeyPath(o)}" {`, '  capabilities = ["read"]', '}');
  return lines.join('\n');
}

export function userPolicyText(o: LayoutOptions, group: string): string {
  return [
    `# Managed by "coffer k8s pki init": members of the Coffer group "${group}" get short-lived`,
    `# client certificates for cluster ${o.cluster} with O=${group}; the role ${userRole(group)} lets the`,
    '# common name be the member\'s own identity name only.',
    `path "${mountPath(o.cluster, 'k8s')}/issue/${userRole(group)}" {`,
    '  capabilities = ["update"]',
    '}',
  ].join('\n');
}

export interface TokenRoleFields { allowed_policies: string[]; orphan: boolean; period: number; renewable: boolean }

export function tokenRole(o: LayoutOptions, cls: NodeClass): TokenRoleFields {
  const policies = COMPONENTS.filter((c) => c.classes.includes(cls)).map((c) => componentPolicy(o.cluster, c)).sort();
  return { allowed_policies: policies, orphan: true, period: TOKEN_PERIOD, renewable: true };
}

/** Which certificates a node of a class gets from `issue-node`, in kubeadm's file layout. */
export interface NodeCert {
  component: string;
  /** Path below the output directory, without extension. */
  file: string;
  commonName: (node: string) => string;
  altNames: (node: NodeNames) => string[];
  ipSans: (node: NodeNames) => string[];
}

export interface NodeNames { node: string; ips: string[]; serviceIp: string; dnsDomain: string; apiserverNames: string[] }

const none = () => [];
const fixedCn = (role: string) => () => COMPONENTS.find((c) => c.role === role)!.cn!;

export const NODE_CERTS: Record<string, NodeCert> = {
  'kube-apiserver': {
    component: 'kube-apiserver', file: 'apiserver', commonName: fixedCn('kube-apiserver'),
    altNames: (n) => [n.node, 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${n.dnsDomain}`, ...n.apiserverNames],
    ipSans: (n) => [n.serviceIp, ...n.ips],
  },
  'apiserver-kubelet-client': { component: 'apiserver-kubelet-client', file: 'apiserver-kubelet-client', commonName: fixedCn('apiserver-kubelet-client'), altNames: none, ipSans: none },
  'apiserver-etcd-client': { component: 'apiserver-etcd-client', file: 'apiserver-etcd-client', commonName: fixedCn('apiserver-etcd-client'), altNames: none, ipSans: none },
  'front-proxy-client': { component: 'front-proxy-client', file: 'front-proxy-client', commonName: fixedCn('front-proxy-client'), altNames: none, ipSans: none },
  'kube-controller-manager': { component: 'kube-controller-manager', file: 'controller-manager', commonName: fixedCn('kube-controller-manager'), altNames: none, ipSans: none },
  'kube-scheduler': { component: 'kube-scheduler', file: 'scheduler', commonName: fixedCn('kube-scheduler'), altNames: none, ipSans: none },
  admin: { component: 'admin', file: 'admin', commonName: fixedCn('admin'), altNames: none, ipSans: none },
  'kube-proxy': { component: 'kube-proxy', file: 'kube-proxy', commonName: fixedCn('kube-proxy'), altNames: none, ipSans: none },
  kubelet: { component: 'kubelet', file: 'kubelet/kubelet', commonName: (node) => `system:node:${node}`, altNames: (n) => [n.node], ipSans: (n) => n.ips },
  'etcd-server': { component: 'etcd-server', file: 'etcd/server', commonName: (node) => node, altNames: (n) => [n.node, 'localhost'], ipSans: (n) => [...n.ips, '127.0.0.1', '::1'] },
  'etcd-peer': { component: 'etcd-peer', file: 'etcd/peer', commonName: (node) => node, altNames: (n) => [n.node, 'localhost'], ipSans: (n) => [...n.ips, '127.0.0.1', '::1'] },
  'etcd-healthcheck-client': { component: 'etcd-healthcheck-client', file: 'etcd/healthcheck-client', commonName: fixedCn('etcd-healthcheck-client'), altNames: none, ipSans: none },
};

export function nodeCerts(cls: NodeClass, externalEtcd: boolean): NodeCert[] {
  return COMPONENTS
    .filter((c) => c.classes.includes(cls))
    .filter((c) => !(externalEtcd && cls === 'control-plane' && c.role.startsWith('etcd-')))
    .map((c) => NODE_CERTS[c.role]!);
}
