/**
 * `coffer k8s pki init` as a plan: the server's current state is read, compared with the
 * layout, and every difference becomes one action. `--dry-run` prints the actions; a run
 * applies them in order; a second run finds nothing to do.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { VaultClient } from '../api/client.js';
import {
  CAS, CA_TTL, COMPONENTS, NODE_CLASSES, caCommonName, componentPolicy, componentPolicyText, componentRole, mountPath,
  serviceAccountKeyPath, tokenRole, tokenRoleName, userGroupRole, userPolicy, userPolicyText, userRole, type LayoutOptions, type RoleFields,
} from './k8s-pki-layout.js';

const genKeyPair = promisify(generateKeyPair) as unknown as (type: 'rsa', opts: Record<string, unknown>) => Promise<{ publicKey: string; privateKey: string }>;

export interface Action {
  /** One line for the plan: "+ enable pki at c1/pki/etcd". */
  text: string;
  apply(): Promise<void>;
}

export interface RootMode {
  /** "internal": a root CA per mount; "offline": intermediate CSRs written for an offline root to sign. */
  kind: 'internal' | 'offline';
  csrDir?: string;
  caKeyType: string;
  caKeyBits: number;
}

const sameList = (a: unknown, b: unknown) => JSON.stringify([...((a as unknown[]) ?? [])].map(String).sort()) === JSON.stringify([...((b as unknown[]) ?? [])].map(String).sort());

function roleDiffers(actual: Record<string, unknown> | null | undefined, desired: RoleFields): boolean {
  if (!actual) return true;
  return Object.entries(desired).some(([k, v]) => (Array.isArray(v) ? !sameList(actual[k], v) : actual[k] !== v));
}

export class Planner {
  readonly actions: Action[] = [];
  /** Lines to print after applying (next steps). */
  readonly notes: string[] = [];

  constructor(private readonly c: VaultClient, private readonly o: LayoutOptions, private readonly root: RootMode) {}

  private add(text: string, apply: () => Promise<void>): void {
    this.actions.push({ text, apply });
  }

  async build(mounts: Record<string, any>): Promise<void> {
    const { c, o } = this;
    for (const ca of CAS) {
      const path = mountPath(o.cluster, ca);
      const existing = mounts[`${path}/`];
      if (existing && existing.type !== 'pki') throw new Error(`${path}/ is mounted, but as ${existing.type}, not pki`);
      if (!existing) {
        this.add(`enable the pki secrets engine at ${path}/ (max lease TTL 87600h)`, async () => {
          await c.write(`sys/mounts/${path}`, { type: 'pki', description: `Cluster ${o.cluster}: ${ca} CA (coffer k8s pki)`, config: { max_lease_ttl: '87600h' } });
        });
      } else {
        const tune = await c.read(`sys/mounts/${path}/tune`);
        if (Number(tune?.data?.max_lease_ttl ?? 0) < CA_TTL) {
          this.add(`tune ${path}/ to a max lease TTL of 87600h`, async () => { await c.write(`sys/mounts/${path}/tune`, { max_lease_ttl: '87600h' }); });
        }
      }
      await this.planCA(ca, !!existing);
    }
    for (const comp of COMPONENTS) {
      const path = mountPath(o.cluster, comp.ca);
      await this.planRole(path, comp.role, componentRole(o, comp));
      await this.planPolicy(componentPolicy(o.cluster, comp), componentPolicyText(o, comp));
    }
    await this.planServiceAccountKey(mounts);
    for (const cls of NODE_CLASSES) {
      const name = tokenRoleName(o.cluster, cls);
      const want = tokenRole(o, cls);
      const have = (await c.read(`auth/token/roles/${name}`))?.data;
      const same = have && sameList(have.allowed_policies, want.allowed_policies) && have.orphan === want.orphan && Number(have.period) === want.period && have.renewable === want.renewable;
      if (!same) {
        this.add(`${have ? 'update' : 'create'} token role ${name} (periodic, orphan; policies: ${want.allowed_policies.length} ${cls} components)`, async () => {
          await c.write(`auth/token/roles/${name}`, { allowed_policies: want.allowed_policies, orphan: true, period: want.period, renewable: true });
        });
      }
    }
    for (const group of o.userGroups) {
      await this.planRole(mountPath(o.cluster, 'k8s'), userRole(group), userGroupRole(o, group));
      const policy = userPolicy(o.cluster, group);
      await this.planPolicy(policy, userPolicyText(o, group));
      const g = (await c.read(`identity/group/name/${encodeURIComponent(group)}`))?.data;
      if (!g) {
        this.add(`create Coffer group ${group} with policy ${policy} (add people with "coffer write identity/group/name/${group} member_entity_ids=…")`, async () => {
          await c.write('identity/group', { name: group, type: 'internal', policies: [policy] });
        });
      } else if (!((g.policies as string[] | null) ?? []).includes(policy)) {
        this.add(`add policy ${policy} to Coffer group ${group}`, async () => {
          await c.write(`identity/group/name/${encodeURIComponent(group)}`, { policies: [...((g.policies as string[] | null) ?? []), policy] });
        });
      }
    }
  }

  private async planCA(ca: (typeof CAS)[number], mounted: boolean): Promise<void> {
    const { c, o, root } = this;
    const path = mountPath(o.cluster, ca);
    const hasCA = mounted && (await c.request('GET', `${path}/ca/pem`, { token: null })).status === 200;
    if (hasCA) return;
    const params = { common_name: caCommonName(o.cluster, ca), ttl: '87600h', key_type: root.caKeyType, key_bits: root.caKeyBits };
    if (root.kind === 'internal') {
      this.add(`generate the ${ca} root CA in ${path}/ (CN=${params.common_name}, ${root.caKeyType}, 10 years)`, async () => {
        await c.write(`${path}/root/generate/internal`, params);
        await this.setUrls(path);
      });
      return;
    }
    const file = join(root.csrDir!, `${ca}.csr`);
    // A key made by an earlier run waits for its signed certificate: reuse it, never replace it.
    const keys = mounted ? ((await c.list(`${path}/keys`))?.data?.keys as string[] | undefined) : undefined;
    const text = keys?.length
      ? `write a CSR for the existing ${ca} intermediate key of ${path}/ to ${file} (waiting for its signed certificate)`
      : `generate the ${ca} intermediate CA key in ${path}/ and write its CSR to ${file}`;
    this.add(text, async () => {
      const r = keys?.length
        ? await c.write(`${path}/intermediate/generate/existing`, { common_name: params.common_name, key_ref: keys[0] })
        : await c.write(`${path}/intermediate/generate/internal`, params);
      mkdirSync(root.csrDir!, { recursive: true });
      writeFileSync(file, `${r?.data?.csr}\n`);
      await this.setUrls(path);
    });
    this.notes.push(`${ca}: sign ${file} with the offline root (a CA profile), then: coffer write ${path}/intermediate/set-signed certificate=@${ca}.pem`);
  }

  /** AIA URLs pointing at this server, unless the operator set some. */
  private async setUrls(path: string): Promise<void> {
    const cur = (await this.c.read(`${path}/config/urls`))?.data ?? {};
    if ((cur.issuing_certificates?.length ?? 0) + (cur.crl_distribution_points?.length ?? 0) + (cur.ocsp_servers?.length ?? 0) > 0) return;
    const base = `${this.c.address}/v1/${path}`;
    await this.c.write(`${path}/config/urls`, { issuing_certificates: [`${base}/ca`], crl_distribution_points: [`${base}/crl`], ocsp_servers: [`${base}/ocsp`] });
  }

  private async planRole(path: string, role: string, want: RoleFields): Promise<void> {
    // A mount that does not exist yet answers with an error: then the role does not exist either.
    const have = (await this.c.read(`${path}/roles/${role}`).catch(() => null))?.data;
    if (!roleDiffers(have, want)) return;
    this.add(`${have ? 'update' : 'create'} role ${path}/roles/${role}`, async () => { await this.c.write(`${path}/roles/${role}`, want); });
  }

  private async planPolicy(name: string, text: string): Promise<void> {
    const have = (await this.c.read(`sys/policies/acl/${name}`))?.data?.policy as string | undefined;
    if (have?.trim() === text.trim()) return;
    this.add(`${have ? 'update' : 'write'} policy ${name}`, async () => { await this.c.write(`sys/policies/acl/${name}`, { policy: text }); });
  }

  private async planServiceAccountKey(mounts: Record<string, any>): Promise<void> {
    const { c, o } = this;
    const mount = o.kvMount.replace(/^\/+|\/+$/g, '');
    const path = serviceAccountKeyPath(o);
    if (!mounts[`${mount}/`]) {
      this.add(`enable the kv secrets engine (version 2) at ${mount}/`, async () => { await c.write(`sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } }); });
    } else if ((await c.read(path))?.data) {
      return;
    }
    this.add(`generate the service-account signing key (RSA 2048) and store it at ${path}`, async () => {
      const { publicKey, privateKey } = await genKeyPair('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } });
      const data = { key: privateKey.trim(), public_key: publicKey.trim() };
      await c.write(path, o.kvVersion === 2 ? { data } : data);
    });
  }
}
