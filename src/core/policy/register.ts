/**
 * Attaches ACL policies to core on unseal: the policy store (with Vault's default policy
 * created once), and the authorizer that every non-root request goes through.
 */
import { LogicalView } from '../../framework/logical.js';
import { createAclAuthorizer, DEFAULT_POLICY, validatePolicy, type AclAuthorizer } from '../acl/index.js';
import { onSeal, onUnseal, type Core } from '../core.js';
import type { IdentityStore } from '../identity/identity-store.js';
import { PolicyStore } from './policy-store.js';

export function policyStoreOf(core: Core): PolicyStore {
  const s = core.registry.get('policies') as PolicyStore | undefined;
  if (!s) throw new Error('policy store not available');
  return s;
}

export function authorizerOf(core: Core): AclAuthorizer {
  const a = core.services.authorizer as AclAuthorizer | undefined;
  if (!a) throw new Error('authorizer not available');
  return a;
}

onUnseal('policies', async (core) => {
  const store = new PolicyStore(new LogicalView(core.barrier, 'sys/policy/'), validatePolicy);
  await store.ensureDefault(DEFAULT_POLICY);
  core.registry.set('policies', store);
  core.services.authorizer = createAclAuthorizer({
    policies: store,
    identity: () => core.registry.get('identity') as IdentityStore | undefined,
  });
});

onSeal('policies', async (core) => {
  core.services.authorizer = undefined;
  core.registry.delete('policies');
});
