/** Registers every built-in Backend type: the only list of engines and auth methods (STYLE.md 1). */
import { registerType } from '../core/registry.js';
import { addSysPaths, sysFactory } from '../engines/sys/backend.js';
import { wrappingPaths } from '../engines/sys/path-wrapping.js';
import { policyPaths } from '../engines/sys/path-policy.js';
import { capabilitiesPaths } from '../engines/sys/path-capabilities.js';
import '../core/policy/register.js';
import { onUnseal } from '../core/core.js';
import { Wrapping } from '../core/wrapping/wrapping.js';
import { tokenFactory } from '../auth/token/backend.js';
import { identityFactory } from '../core/identity/backend.js';
import { userpassFactory } from '../auth/userpass/backend.js';
import { approleFactory } from '../auth/approle/backend.js';
import { kubernetesAuthFactory } from '../auth/kubernetes/backend.js';
import { jwtAuthFactory } from '../auth/jwt/backend.js';
import { certAuthFactory } from '../auth/cert/backend.js';
import { awsAuthFactory } from '../auth/aws/backend.js';
import { kubernetesSecretsFactory } from '../engines/kubernetes/backend.js';
import { databaseFactory } from '../engines/database/backend.js';
import { kvFactory } from '../engines/kv/backend.js';
import { cubbyholeFactory, destroyCubbyhole } from '../engines/cubbyhole/backend.js';
import { pkiFactory } from '../engines/pki/backend.js';
import { transitFactory } from '../engines/transit/backend.js';

registerType('system', 'secret', sysFactory);
registerType('token', 'auth', tokenFactory);
registerType('identity', 'secret', identityFactory);
registerType('kv', 'secret', kvFactory);
registerType('cubbyhole', 'secret', cubbyholeFactory);
registerType('pki', 'secret', pkiFactory);
registerType('transit', 'secret', transitFactory);
registerType('userpass', 'auth', userpassFactory);
registerType('approle', 'auth', approleFactory);
registerType('kubernetes', 'auth', kubernetesAuthFactory);
registerType('jwt', 'auth', jwtAuthFactory);
registerType('oidc', 'auth', jwtAuthFactory);
registerType('cert', 'auth', certAuthFactory);
registerType('aws', 'auth', awsAuthFactory);
registerType('kubernetes', 'secret', kubernetesSecretsFactory);
registerType('database', 'secret', databaseFactory);

// Core services with sys endpoints of their own.
onUnseal('wrapping', async (core) => { core.services.wrapping = new Wrapping(core); });
addSysPaths(wrappingPaths);
addSysPaths(policyPaths);
addSysPaths(capabilitiesPaths);

// A token's cubbyhole dies with the token.
onUnseal('cubbyhole-cleanup', async (core) => {
  core.tokens.onRevoke(async (entry) => {
    const route = core.mounts.router.get('cubbyhole/');
    if (route) await destroyCubbyhole(route.backend.ctx.storage, entry.id);
  });
});

// Leases, audit devices, metrics and quotas (issue 4): each module registers its own hooks and sys paths.
import '../core/leases/register.js';
import '../core/audit/register.js';
import '../core/metrics/register.js';
import '../core/quotas/register.js';
