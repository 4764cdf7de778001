/**
 * The pod annotations of vault-k8s's agent injector (same names, same defaults), and the step that
 * fills in the injector-wide defaults for the ones a pod leaves out (vault-k8s's agent.Init), so the
 * rest of the injector reads one complete map.
 */
import { parseGoBool } from '../../api/env.js';

const P = 'vault.hashicorp.com/';

export const ANN = {
  status: `${P}agent-inject-status`,
  inject: `${P}agent-inject`,
  secret: `${P}agent-inject-secret`,
  file: `${P}agent-inject-file`,
  perms: `${P}agent-inject-perms`,
  template: `${P}agent-inject-template`,
  templateFile: `${P}agent-inject-template-file`,
  leftDelim: `${P}agent-template-left-delim`,
  rightDelim: `${P}agent-template-right-delim`,
  command: `${P}agent-inject-command`,
  containers: `${P}agent-inject-containers`,
  defaultTemplate: `${P}agent-inject-default-template`,
  injectToken: `${P}agent-inject-token`,
  image: `${P}agent-image`,
  requestNamespace: `${P}agent-request-namespace`,
  initFirst: `${P}agent-init-first`,
  prePopulate: `${P}agent-pre-populate`,
  prePopulateOnly: `${P}agent-pre-populate-only`,
  limitsCpu: `${P}agent-limits-cpu`,
  limitsMem: `${P}agent-limits-mem`,
  limitsEphemeral: `${P}agent-limits-ephemeral`,
  requestsCpu: `${P}agent-requests-cpu`,
  requestsMem: `${P}agent-requests-mem`,
  requestsEphemeral: `${P}agent-requests-ephemeral`,
  runAsUser: `${P}agent-run-as-user`,
  runAsGroup: `${P}agent-run-as-group`,
  runAsSameUser: `${P}agent-run-as-same-user`,
  setSecurityContext: `${P}agent-set-security-context`,
  shareProcessNamespace: `${P}agent-share-process-namespace`,
  saTokenVolumeName: `${P}agent-service-account-token-volume-name`,
  service: `${P}service`,
  proxyAddress: `${P}proxy-address`,
  tlsSkipVerify: `${P}tls-skip-verify`,
  tlsServerName: `${P}tls-server-name`,
  caCert: `${P}ca-cert`,
  caKey: `${P}ca-key`,
  clientCert: `${P}client-cert`,
  clientKey: `${P}client-key`,
  clientMaxRetries: `${P}client-max-retries`,
  clientTimeout: `${P}client-timeout`,
  logLevel: `${P}log-level`,
  logFormat: `${P}log-format`,
  role: `${P}role`,
  authType: `${P}auth-type`,
  authPath: `${P}auth-path`,
  authConfig: `${P}auth-config`,
  namespace: `${P}namespace`,
  secretVolumePath: `${P}secret-volume-path`,
  preserveSecretCase: `${P}preserve-secret-case`,
  errorOnMissingKey: `${P}error-on-missing-key`,
  exitOnRetryFailure: `${P}template-config-exit-on-retry-failure`,
  staticSecretRenderInterval: `${P}template-static-secret-render-interval`,
  maxConnectionsPerHost: `${P}template-max-connections-per-host`,
  leaseRenewalThreshold: `${P}template-lease-renewal-threshold`,
  authMinBackoff: `${P}auth-min-backoff`,
  authMaxBackoff: `${P}auth-max-backoff`,
  autoAuthExitOnErr: `${P}agent-auto-auth-exit-on-err`,
} as const;

/**
 * Annotations of vault-k8s that change the pod in ways this injector does not implement. A pod
 * asking for one is denied (saying which) rather than silently getting something else.
 */
export const UNSUPPORTED: Record<string, (v: string) => boolean> = {
  [`${P}agent-configmap`]: (v) => v !== '',
  [`${P}agent-extra-secret`]: (v) => v !== '',
  [`${P}tls-secret`]: (v) => v !== '',
  [`${P}agent-copy-volume-mounts`]: (v) => v !== '',
  [`${P}agent-json-patch`]: (v) => v !== '',
  [`${P}agent-init-json-patch`]: (v) => v !== '',
  [`${P}agent-cache-enable`]: (v) => parseGoBool(v) !== false,
  [`${P}agent-revoke-on-shutdown`]: (v) => parseGoBool(v) !== false,
  [`${P}agent-enable-quit`]: (v) => parseGoBool(v) !== false,
};

export const DEFAULTS = {
  image: 'coffer:latest',
  authType: 'kubernetes',
  authPath: 'auth/kubernetes',
  runAsUser: '100',
  runAsGroup: '1000',
  secretVolumePath: '/vault/secrets',
  logLevel: 'info',
  logFormat: 'standard',
  cpuLimit: '500m',
  memLimit: '128Mi',
  cpuRequest: '250m',
  memRequest: '64Mi',
  defaultTemplate: 'map',
} as const;

/** Injector-wide settings (flags of `coffer k8s injector`), the defaults pods start from. */
export interface InjectorSettings {
  address: string;
  image: string;
  authType: string;
  authPath: string;
  vaultNamespace: string;
  proxyAddress: string;
  runAsUser: string;
  runAsGroup: string;
  runAsSameUser: boolean;
  setSecurityContext: boolean;
  defaultTemplate: string;
  cpuRequest: string;
  memRequest: string;
  ephemeralRequest: string;
  cpuLimit: string;
  memLimit: string;
  ephemeralLimit: string;
  exitOnRetryFailure: boolean;
  staticSecretRenderInterval: string;
  authMinBackoff: string;
  authMaxBackoff: string;
}

export function defaultSettings(over: Partial<InjectorSettings> = {}): InjectorSettings {
  return {
    address: '', image: DEFAULTS.image, authType: DEFAULTS.authType, authPath: DEFAULTS.authPath, vaultNamespace: '', proxyAddress: '',
    runAsUser: DEFAULTS.runAsUser, runAsGroup: DEFAULTS.runAsGroup, runAsSameUser: false, setSecurityContext: true,
    defaultTemplate: DEFAULTS.defaultTemplate, cpuRequest: DEFAULTS.cpuRequest, memRequest: DEFAULTS.memRequest, ephemeralRequest: '',
    cpuLimit: DEFAULTS.cpuLimit, memLimit: DEFAULTS.memLimit, ephemeralLimit: '', exitOnRetryFailure: true,
    staticSecretRenderInterval: '', authMinBackoff: '', authMaxBackoff: '',
    ...over,
  };
}

/** A Go duration as time.ParseDuration accepts it ("1s", "1m30s", "250ms"). */
const GO_DURATION = /^[+-]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^0$/;

/**
 * The pod's annotations completed with the injector's defaults (vault-k8s's agent.Init). Throws
 * with vault-k8s's wording when a backoff is not a duration.
 */
export function withDefaults(annotations: Record<string, string>, s: InjectorSettings, namespace: string, containerNames: string[]): Record<string, string> {
  const a = { ...annotations };
  const def = (k: string, v: string) => { if (!(k in a)) a[k] = v; };
  if (!s.address) throw new Error('address for Vault required');
  if (!s.authPath) throw new Error('Vault Auth Path required');
  if (!namespace) throw new Error('kubernetes namespace required');
  def(ANN.service, s.address);
  def(ANN.authType, s.authType || DEFAULTS.authType);
  def(ANN.authPath, s.authPath);
  def(ANN.namespace, s.vaultNamespace);
  def(ANN.proxyAddress, s.proxyAddress);
  def(ANN.image, s.image || DEFAULTS.image);
  def(ANN.requestNamespace, namespace);
  def(ANN.limitsCpu, s.cpuLimit);
  def(ANN.limitsMem, s.memLimit);
  def(ANN.limitsEphemeral, s.ephemeralLimit);
  def(ANN.requestsCpu, s.cpuRequest);
  def(ANN.requestsMem, s.memRequest);
  def(ANN.requestsEphemeral, s.ephemeralRequest);
  def(ANN.secretVolumePath, DEFAULTS.secretVolumePath);
  def(ANN.logLevel, DEFAULTS.logLevel);
  def(ANN.logFormat, DEFAULTS.logFormat);
  def(ANN.saTokenVolumeName, '');
  const securityContextSet = ANN.setSecurityContext in a;
  const userSet = ANN.runAsUser in a;
  const sameSet = ANN.runAsSameUser in a;
  const groupSet = ANN.runAsGroup in a;
  def(ANN.setSecurityContext, String(s.setSecurityContext));
  def(ANN.runAsUser, s.runAsUser || DEFAULTS.runAsUser);
  def(ANN.runAsSameUser, String(s.runAsSameUser));
  def(ANN.runAsGroup, s.runAsGroup || DEFAULTS.runAsGroup);
  // Asking for a user or group on a pod means asking for a security context, even when the
  // injector was started without one (vault-k8s does the same).
  if (!s.setSecurityContext && !securityContextSet && (userSet || sameSet || groupSet)) a[ANN.setSecurityContext] = 'true';
  def(ANN.containers, containerNames.join(','));
  def(ANN.defaultTemplate, s.defaultTemplate);
  def(ANN.exitOnRetryFailure, String(s.exitOnRetryFailure));
  def(ANN.staticSecretRenderInterval, s.staticSecretRenderInterval);
  for (const [k, flag] of [[ANN.authMinBackoff, s.authMinBackoff], [ANN.authMaxBackoff, s.authMaxBackoff]] as const) {
    if (k in a) {
      if (a[k] !== '' && !GO_DURATION.test(a[k]!)) throw new Error(`error parsing ${k === ANN.authMinBackoff ? 'min' : 'max'} backoff as duration: time: invalid duration "${a[k]}"`);
    } else if (flag) a[k] = flag;
  }
  return a;
}
