/** The command table: every `coffer` command, and the pre-1.0 vault spellings still accepted. */
import type { Command } from '../command.js';
import { auditDisable, auditEnable, auditList } from './audit.js';
import { authDisable, authEnable, authHelp, authList, authMove, authTune } from './auth.js';
import { operatorGenerateRoot } from './generate-root.js';
import { kvGet, kvPatch, kvPut } from './kv.js';
import { kvMetadataDelete, kvMetadataGet, kvMetadataPatch, kvMetadataPut } from './kv-metadata.js';
import { kvDelete, kvDestroy, kvList, kvUndelete } from './kv-versions.js';
import { leaseLookup, leaseRenew, leaseRevoke } from './lease.js';
import { deleteCommand, listCommand, patchCommand, readCommand, writeCommand } from './logical.js';
import { loginCommand, printTokenCommand } from './login.js';
import { pathHelpCommand, unwrapCommand, versionCommand } from './misc.js';
import { operatorInit, operatorKeyStatus, operatorRotate, operatorSeal, operatorStepDown, operatorUnseal, statusCommand } from './operator.js';
import { policyDelete, policyFmt, policyList, policyRead, policyWrite } from './policy.js';
import { secretsDisable, secretsEnable, secretsList, secretsMove, secretsTune } from './secrets.js';
import { tokenCapabilities, tokenCreate, tokenLookup, tokenRenew, tokenRevoke } from './token.js';
import { K8S_PKI_COMMANDS, K8S_PKI_GROUPS } from '../k8s-pki.js';

export const COMMANDS: Command[] = [
  readCommand, writeCommand, deleteCommand, listCommand, patchCommand,
  statusCommand, loginCommand, printTokenCommand, unwrapCommand, pathHelpCommand, versionCommand,
  operatorInit, operatorUnseal, operatorSeal, operatorKeyStatus, operatorRotate, operatorStepDown, operatorGenerateRoot,
  kvGet, kvPut, kvPatch, kvDelete, kvUndelete, kvDestroy, kvList,
  kvMetadataGet, kvMetadataPut, kvMetadataPatch, kvMetadataDelete,
  secretsEnable, secretsDisable, secretsList, secretsTune, secretsMove,
  authEnable, authDisable, authList, authTune, authMove, authHelp,
  policyWrite, policyRead, policyList, policyDelete, policyFmt,
  tokenCreate, tokenLookup, tokenRenew, tokenRevoke, tokenCapabilities,
  leaseLookup, leaseRenew, leaseRevoke,
  auditEnable, auditDisable, auditList,
  ...K8S_PKI_COMMANDS,
];

/** Groups and what `coffer <group>` says about them. */
export const GROUPS: Record<string, string> = {
  operator: 'Perform operator-specific tasks',
  kv: 'Interact with the KV secrets engine',
  'kv metadata': 'Interact with KV v2 key metadata',
  secrets: 'Interact with secrets engines',
  auth: 'Interact with auth methods',
  policy: 'Interact with policies',
  token: 'Interact with tokens',
  lease: 'Interact with leases',
  audit: 'Interact with audit devices',
  print: 'Prints runtime configurations',
  dev: 'Local development helpers',
  ...K8S_PKI_GROUPS,
};

/**
 * Commands from before vault 0.9 (used in older guides and scripts, e.g. `vault mount`,
 * `vault policy-write`, `vault token-create`): run as their new form, with a warning.
 */
export const DEPRECATED: Record<string, string | ((args: string[]) => string)> = {
  mount: 'secrets enable',
  mounts: 'secrets list',
  'mount-tune': 'secrets tune',
  unmount: 'secrets disable',
  remount: 'secrets move',
  'policy-write': 'policy write',
  'policy-delete': 'policy delete',
  policies: (args) => (args.some((a) => !a.startsWith('-')) ? 'policy read' : 'policy list'),
  'token-create': 'token create',
  'token-lookup': 'token lookup',
  'token-renew': 'token renew',
  'token-revoke': 'token revoke',
  capabilities: 'token capabilities',
  'auth-enable': 'auth enable',
  'auth-disable': 'auth disable',
  'audit-enable': 'audit enable',
  'audit-disable': 'audit disable',
  'audit-list': 'audit list',
  init: 'operator init',
  unseal: 'operator unseal',
  seal: 'operator seal',
  'step-down': 'operator step-down',
  'key-status': 'operator key-status',
  rotate: 'operator rotate',
  'generate-root': 'operator generate-root',
  renew: 'lease renew',
  revoke: 'lease revoke',
};
