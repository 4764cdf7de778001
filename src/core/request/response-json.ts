/** The JSON form of a Response: Vault's envelope. Used by the HTTP layer and by response wrapping. */
import type { Auth, Request, Response } from '../../framework/types.js';

export function authJSON(a: Auth): Record<string, unknown> {
  return {
    client_token: a.clientToken ?? '',
    accessor: a.accessor ?? '',
    policies: a.policies,
    token_policies: a.tokenPolicies ?? a.policies,
    identity_policies: a.identityPolicies?.length ? a.identityPolicies : undefined,
    metadata: a.metadata ?? null,
    lease_duration: a.leaseOptions?.ttl ?? a.ttl ?? 0,
    renewable: a.leaseOptions?.renewable ?? a.renewable ?? false,
    entity_id: a.entityId ?? '',
    token_type: a.tokenType === 'batch' ? 'batch' : 'service',
    orphan: a.orphan ?? true,
    mfa_requirement: null,
    num_uses: a.numUses ?? 0,
  };
}

export function envelope(req: Request, resp: Response): Record<string, unknown> {
  return {
    request_id: req.id,
    lease_id: resp.leaseId ?? '',
    renewable: resp.renewable ?? false,
    lease_duration: resp.leaseDuration ?? 0,
    data: resp.data ?? null,
    wrap_info: resp.wrapInfo ?? null,
    warnings: resp.warnings?.length ? resp.warnings : null,
    auth: resp.auth ? authJSON(resp.auth) : null,
    mount_type: resp.mountType ?? '',
  };
}

