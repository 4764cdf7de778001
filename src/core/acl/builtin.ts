/**
 * Built-in policies. `default` is created on first unseal and grants exactly the paths and
 * capabilities of current Vault's default policy (the comments are ours); it may be edited, not
 * deleted. `root` has no text: it is recognised by name and grants everything with sudo.
 * `response-wrapping` is the fixed policy of response-wrapping tokens: enough to read their own
 * cubbyhole and unwrap.
 */
export const ROOT_POLICY_NAME = 'root';
export const DEFAULT_POLICY_NAME = 'default';
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';

/** Policies that cannot be written or deleted through sys/policy. */
export const IMMUTABLE_POLICIES: readonly string[] = [ROOT_POLICY_NAME, RESPONSE_WRAPPING_POLICY_NAME];
/** Policies that cannot be attached to tokens by name. */
export const NON_ASSIGNABLE_POLICIES: readonly string[] = [RESPONSE_WRAPPING_POLICY_NAME];

export const DEFAULT_POLICY = `
# A token may read its own properties.
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# A token may extend its own TTL.
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# A token may revoke itself.
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# A token may ask what it can do on a path.
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# A token may read the entity it belongs to, by id or by name.
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# A token may see the ACL that results from all its policies (used by UIs; the
# response format is internal and may change).
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# A token may renew a lease whose id it knows (old and new endpoint).
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# A token may look up a lease whose id it knows; nothing secret is returned.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Every token owns a private cubbyhole.
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap any value, inspect a wrapping token, unwrap one.
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Hashing tools.
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Status of a control group request, for whoever holds its accessor.
path "sys/control-group/request" {
    capabilities = ["update"]
}

# The authorization endpoint of OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
`;

export const RESPONSE_WRAPPING_POLICY = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`;
