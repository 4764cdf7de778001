/**
 * AppRole storage: roles, the role_id index, and secret IDs kept only as salted HMACs
 * (a leaked storage dump gives no usable secret_id), with an accessor index.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { LogicalStorage } from '../../framework/types.js';
import type { TokenParams } from '../token-fields.js';

export interface Role extends TokenParams {
  role_id: string;
  bind_secret_id: boolean;
  secret_id_bound_cidrs: string[];
  secret_id_num_uses: number;
  secret_id_ttl: number;
  local_secret_ids: boolean;
}

export interface SecretIdEntry {
  secret_id_accessor: string;
  secret_id_num_uses: number;
  secret_id_ttl: number;
  creation_time: string;
  expiration_time: string;
  last_updated_time: string;
  metadata: Record<string, string>;
  cidr_list: string[];
  token_bound_cidrs: string[];
}

export class AppRoleStore {
  private salt: Buffer | undefined;
  constructor(private readonly s: LogicalStorage) {}

  private async hmac(value: string): Promise<string> {
    if (!this.salt) {
      const existing = await this.s.get('salt');
      this.salt = existing ? Buffer.from(existing) : randomBytes(32);
      if (!existing) await this.s.put('salt', this.salt);
    }
    return createHmac('sha256', this.salt).update(value).digest('hex');
  }

  getRole(name: string) { return this.s.getJSON<Role>(`role/${name.toLowerCase()}`); }
  listRoles() { return this.s.list('role/'); }

  async putRole(name: string, role: Role, previousRoleId?: string): Promise<void> {
    const ops: ({ op: 'put'; key: string; value: Uint8Array } | { op: 'delete'; key: string })[] = [
      { op: 'put', key: `role/${name.toLowerCase()}`, value: new TextEncoder().encode(JSON.stringify(role)) },
      { op: 'put', key: `role_id/${await this.hmac(role.role_id)}`, value: new TextEncoder().encode(name.toLowerCase()) },
    ];
    if (previousRoleId && previousRoleId !== role.role_id) ops.push({ op: 'delete', key: `role_id/${await this.hmac(previousRoleId)}` });
    await this.s.transaction(ops);
  }

  async roleIdInUse(roleId: string): Promise<string | undefined> {
    const v = await this.s.get(`role_id/${await this.hmac(roleId)}`);
    return v ? new TextDecoder().decode(v) : undefined;
  }

  async deleteRole(name: string): Promise<void> {
    const role = await this.getRole(name);
    if (!role) return;
    for (const acc of await this.listAccessors(name)) await this.destroyByAccessor(name, acc);
    await this.s.transaction([
      { op: 'delete', key: `role/${name.toLowerCase()}` },
      { op: 'delete', key: `role_id/${await this.hmac(role.role_id)}` },
    ]);
  }

  private async secretKey(roleName: string, secretId: string) {
    return `secret_id/${roleName.toLowerCase()}/${await this.hmac(secretId)}`;
  }

  async createSecretId(roleName: string, secretId: string, entry: Omit<SecretIdEntry, 'secret_id_accessor'>): Promise<SecretIdEntry> {
    const full: SecretIdEntry = { ...entry, secret_id_accessor: randomUUID() };
    const key = await this.secretKey(roleName, secretId);
    const enc = new TextEncoder();
    await this.s.transaction([
      { op: 'put', key, value: enc.encode(JSON.stringify(full)) },
      { op: 'put', key: `accessor/${roleName.toLowerCase()}/${full.secret_id_accessor}`, value: enc.encode(key) },
    ]);
    return full;
  }

  async secretIdExists(roleName: string, secretId: string): Promise<boolean> {
    return (await this.s.get(await this.secretKey(roleName, secretId))) !== undefined;
  }

  async getSecretId(roleName: string, secretId: string): Promise<SecretIdEntry | undefined> {
    return this.s.getJSON<SecretIdEntry>(await this.secretKey(roleName, secretId));
  }

  async updateSecretId(roleName: string, secretId: string, entry: SecretIdEntry): Promise<void> {
    await this.s.putJSON(await this.secretKey(roleName, secretId), entry);
  }

  async destroySecretId(roleName: string, secretId: string): Promise<void> {
    const entry = await this.getSecretId(roleName, secretId);
    if (!entry) return;
    await this.s.transaction([
      { op: 'delete', key: await this.secretKey(roleName, secretId) },
      { op: 'delete', key: `accessor/${roleName.toLowerCase()}/${entry.secret_id_accessor}` },
    ]);
  }

  listAccessors(roleName: string) { return this.s.list(`accessor/${roleName.toLowerCase()}/`); }

  async getByAccessor(roleName: string, accessor: string): Promise<SecretIdEntry | undefined> {
    if (!/^[0-9a-f-]+$/.test(accessor)) return undefined;
    const key = await this.s.get(`accessor/${roleName.toLowerCase()}/${accessor}`);
    return key ? this.s.getJSON<SecretIdEntry>(new TextDecoder().decode(key)) : undefined;
  }

  async destroyByAccessor(roleName: string, accessor: string): Promise<void> {
    if (!/^[0-9a-f-]+$/.test(accessor)) return;
    const key = await this.s.get(`accessor/${roleName.toLowerCase()}/${accessor}`);
    if (!key) return;
    await this.s.transaction([
      { op: 'delete', key: new TextDecoder().decode(key) },
      { op: 'delete', key: `accessor/${roleName.toLowerCase()}/${accessor}` },
    ]);
  }

  /** Removes expired secret IDs of every role (auth/approle/tidy/secret-id). */
  async tidy(now: number): Promise<number> {
    let removed = 0;
    for (const role of await this.listRoles()) {
      for (const acc of await this.listAccessors(role)) {
        const e = await this.getByAccessor(role, acc);
        if (e && e.secret_id_ttl && Date.parse(e.expiration_time) <= now) {
          await this.destroyByAccessor(role, acc);
          removed++;
        }
      }
    }
    return removed;
  }
}
