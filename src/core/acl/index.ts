/** The ACL policy engine: parse policies, compile a token's set, check requests. Pure; no HTTP. */
export { Cap, CAPABILITY_NAMES, OPERATION_CAP, LEGACY_POLICY, capabilityNames, isCapability, type CapabilityName, type Operation } from './capabilities.js';
export { PolicyError, parsePolicy, type PathRule, type Policy } from './policy.js';
export { ACL, ROOT_ACL, compileACL, type AllowRequest, type AllowResult, type CompileOptions, type Permissions } from './compile.js';
export { AclCache, type AclCacheOptions, type PolicyLoader } from './cache.js';
export {
  DEFAULT_BLOCKED_SUBSTITUTIONS, TemplateError, hasTemplate, renderTemplate,
  type IdentityContext, type TemplateAlias, type TemplateEntity, type TemplateGroup,
} from './templating.js';
export {
  DEFAULT_POLICY, DEFAULT_POLICY_NAME, IMMUTABLE_POLICIES, NON_ASSIGNABLE_POLICIES, RESPONSE_WRAPPING_POLICY,
  RESPONSE_WRAPPING_POLICY_NAME, ROOT_POLICY_NAME,
} from './builtin.js';
export { SUDO_PATHS, SYS_SUDO_PATHS, TOKEN_SUDO_PATHS, compileSpecialPaths, isSudoPath } from './sudo-paths.js';
export { RadixTree } from './radix.js';
export { AclAuthorizer, createAclAuthorizer, validatePolicy, type AclAuthorizerOptions, type IdentitySource, type PolicySource } from './authorizer.js';
