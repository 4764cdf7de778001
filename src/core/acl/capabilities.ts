/**
 * Capabilities as bits, so merging the rules of several policies is an OR and a check is an AND.
 * The names are Vault's; `scan` and `subscribe` are not Vault OSS capabilities and are refused.
 */
export const Cap = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
} as const;

export type CapabilityName = keyof typeof Cap;

export const CAPABILITY_NAMES = Object.keys(Cap) as CapabilityName[];

/** The operations a request can carry (Vault's logical.Operation values). */
export type Operation = 'read' | 'create' | 'update' | 'patch' | 'delete' | 'list' | 'help' | 'renew' | 'revoke' | 'rollback';

/** The capability an operation needs; renew/revoke/rollback ride on update, as in Vault. */
export const OPERATION_CAP: Record<Exclude<Operation, 'help'>, number> = {
  read: Cap.read,
  create: Cap.create,
  update: Cap.update,
  patch: Cap.patch,
  delete: Cap.delete,
  list: Cap.list,
  renew: Cap.update,
  revoke: Cap.update,
  rollback: Cap.update,
};

/** The old `policy = "..."` form mapped onto capabilities, exactly as Vault expands it. */
export const LEGACY_POLICY: Record<string, CapabilityName[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

export function isCapability(name: string): name is CapabilityName {
  return Object.prototype.hasOwnProperty.call(Cap, name);
}

/** Names of the bits set, sorted (sys/capabilities answers sorted), `deny` when none. */
export function capabilityNames(bits: number): string[] {
  if (bits & Cap.deny || bits === 0) return ['deny'];
  return CAPABILITY_NAMES.filter((n) => bits & Cap[n]).sort();
}
