/**
 * What a pod asks of its agent, read from its (defaulted) annotations: the secrets to render, where,
 * how to authenticate, and the containers' shape. Mirrors vault-k8s's agent.New and Validate; each
 * failure names the annotation and keeps Go's parse wording so messages match what users search for.
 */
import { posix } from 'node:path';
import { parseGoBool } from '../../api/env.js';
import { ANN } from './annotations.js';

export type Pod = { metadata?: { name?: string; annotations?: Record<string, string> }; spec?: Record<string, any>; status?: { phase?: string } };

export interface SecretSpec {
  name: string;
  rawName: string;
  path: string;
  template: string;
  templateFile: string;
  mountPath: string;
  command: string;
  file: string;
  perms: string;
  errorOnMissingKey: boolean;
  leftDelim: string;
  rightDelim: string;
}

export interface TokenVolume { name: string; mountPath: string; tokenPath: string }

export interface AgentSpec {
  annotations: Record<string, string>;
  image: string;
  namespace: string;
  containers: string[];
  secrets: SecretSpec[];
  tokenVolume: TokenVolume;
  initFirst: boolean;
  prePopulate: boolean;
  prePopulateOnly: boolean;
  injectToken: boolean;
  defaultTemplate: 'map' | 'json';
  runAsUser: number;
  runAsGroup: number;
  setSecurityContext: boolean;
  shareProcessNamespace?: boolean;
  vault: {
    address: string; proxyAddress: string; authType: string; authPath: string; authConfig: Record<string, unknown>;
    caCert: string; caKey: string; clientCert: string; clientKey: string; clientMaxRetries: string; clientTimeout: string;
    logLevel: string; logFormat: string; namespace: string; role: string; tlsSkipVerify: boolean; tlsServerName: string;
    authMinBackoff: string; authMaxBackoff: string; autoAuthExitOnErr: boolean;
  };
  templateConfig: { exitOnRetryFailure: boolean; staticSecretRenderInterval: string; maxConnectionsPerHost: number; leaseRenewalThreshold: number };
}

/** Where the agent looks for a service-account token when the pod does not mount one itself. */
export const DEFAULT_SA_MOUNT = '/var/run/secrets/vault.hashicorp.com/serviceaccount';

export function bool(a: Record<string, string>, key: string, def: boolean): boolean {
  const raw = a[key];
  if (raw === undefined) return def;
  const b = parseGoBool(raw);
  if (b === undefined) throw new Error(`invalid value "${raw}" for annotation ${key}: strconv.ParseBool: parsing "${raw}": invalid syntax`);
  return b;
}

function int(a: Record<string, string>, key: string): number {
  const raw = a[key] ?? '';
  if (raw === '') return 0;
  if (!/^[+-]?\d+$/.test(raw)) throw new Error(`invalid value "${raw}" for annotation ${key}: strconv.ParseInt: parsing "${raw}": invalid syntax`);
  return Number(raw);
}

/** Kubernetes resource quantities (resource.ParseQuantity's grammar). */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;

export function quantity(a: Record<string, string>, key: string): string {
  const raw = a[key] ?? '';
  if (raw !== '' && !QUANTITY.test(raw)) {
    throw new Error(`invalid value "${raw}" for annotation ${key}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  }
  return raw;
}

function projectedTokenPath(volume: Record<string, any>): string {
  for (const src of volume.projected?.sources ?? []) {
    if (src?.serviceAccountToken?.path) return src.serviceAccountToken.path;
  }
  throw new Error(`failed to find tokenPath for projected volume "${volume.name}"`);
}

/** The pod's service-account token volume, found as vault-k8s finds it. */
export function findTokenVolume(pod: Pod, volumeName: string): TokenVolume {
  const containers = (pod.spec?.containers ?? []) as Record<string, any>[];
  const volumes = (pod.spec?.volumes ?? []) as Record<string, any>[];
  if (volumeName) {
    for (const c of containers) {
      for (const m of c.volumeMounts ?? []) {
        if (m.name !== volumeName) continue;
        const v = volumes.find((x) => x.name === volumeName);
        if (!v) throw new Error(`failed to find volume "${volumeName}" in Pod "${pod.metadata?.name ?? ''}" volumes`);
        return { name: m.name, mountPath: m.mountPath, tokenPath: projectedTokenPath(v) };
      }
    }
    const v = volumes.find((x) => x.name === volumeName);
    if (v) return { name: v.name, mountPath: DEFAULT_SA_MOUNT, tokenPath: projectedTokenPath(v) };
    throw new Error(`failed to find service account volume "${volumeName}"`);
  }
  for (const c of containers) {
    for (const m of c.volumeMounts ?? []) {
      if (String(m.mountPath ?? '').includes('serviceaccount')) return { name: m.name, mountPath: m.mountPath, tokenPath: 'token' };
    }
  }
  throw new Error('failed to find service account volume mount');
}

function readSecrets(a: Record<string, string>): SecretSpec[] {
  const prefixes = [ANN.secret, ANN.templateFile, ANN.template].map((p) => `${p}-`);
  const seen = new Set<string>();
  const secrets: SecretSpec[] = [];
  for (const [key, value] of Object.entries(a)) {
    if (value.trim() === '') continue;
    const prefix = prefixes.find((p) => key.startsWith(p));
    if (!prefix) continue;
    const rawName = key.slice(prefix.length);
    if (!rawName || seen.has(rawName)) continue;
    seen.add(rawName);
    const preserve = bool(a, `${ANN.preserveSecretCase}-${rawName}`, bool(a, ANN.preserveSecretCase, false));
    const per = (ann: string, def = '') => a[`${ann}-${rawName}`] ?? def;
    const template = per(ANN.template);
    secrets.push({
      name: preserve ? rawName : rawName.toLowerCase(),
      rawName,
      path: per(ANN.secret),
      template,
      templateFile: template === '' ? per(ANN.templateFile) : '',
      mountPath: per(ANN.secretVolumePath, a[ANN.secretVolumePath]),
      command: per(ANN.command),
      file: per(ANN.file),
      perms: per(ANN.perms),
      errorOnMissingKey: bool(a, `${ANN.errorOnMissingKey}-${rawName}`, false),
      leftDelim: per(ANN.leftDelim),
      rightDelim: per(ANN.rightDelim),
    });
  }
  return secrets;
}

function authConfig(a: Record<string, string>, tv: TokenVolume, role: string): Record<string, unknown> {
  const cfg: Record<string, unknown> = {};
  // The token path comes first so an auth-config-token-path annotation can still override it.
  if (tv.mountPath && tv.tokenPath) cfg.token_path = posix.join(tv.mountPath, tv.tokenPath);
  const prefix = `${ANN.authConfig}-`;
  for (const [k, v] of Object.entries(a)) if (k.startsWith(prefix)) cfg[k.slice(prefix.length).replace(/-/g, '_')] = v;
  if (role) cfg.role = role;
  return cfg;
}

/** vault-k8s's agent.New: the agent a pod's defaulted annotations describe. */
export function readAgent(pod: Pod, a: Record<string, string>): AgentSpec {
  const tokenVolume = findTokenVolume(pod, a[ANN.saTokenVolumeName] ?? '');
  const role = a[ANN.role] ?? '';
  const defaultTemplate = (a[ANN.defaultTemplate] ?? '').toLowerCase();
  if (defaultTemplate !== 'map' && defaultTemplate !== 'json') throw new Error(`invalid default template type: ${defaultTemplate}`);
  const spec: AgentSpec = {
    annotations: a,
    image: a[ANN.image] ?? '',
    namespace: a[ANN.requestNamespace] ?? '',
    containers: (a[ANN.containers] ?? '').split(','),
    secrets: readSecrets(a),
    tokenVolume,
    initFirst: bool(a, ANN.initFirst, false),
    prePopulate: bool(a, ANN.prePopulate, true),
    prePopulateOnly: bool(a, ANN.prePopulateOnly, false),
    injectToken: bool(a, ANN.injectToken, false),
    defaultTemplate,
    runAsUser: int(a, ANN.runAsUser),
    runAsGroup: int(a, ANN.runAsGroup),
    setSecurityContext: bool(a, ANN.setSecurityContext, true),
    vault: {
      address: a[ANN.service] ?? '', proxyAddress: a[ANN.proxyAddress] ?? '', authType: a[ANN.authType] ?? '', authPath: a[ANN.authPath] ?? '',
      authConfig: authConfig(a, tokenVolume, role),
      caCert: a[ANN.caCert] ?? '', caKey: a[ANN.caKey] ?? '', clientCert: a[ANN.clientCert] ?? '', clientKey: a[ANN.clientKey] ?? '',
      clientMaxRetries: a[ANN.clientMaxRetries] ?? '', clientTimeout: a[ANN.clientTimeout] ?? '',
      logLevel: a[ANN.logLevel] ?? '', logFormat: a[ANN.logFormat] ?? '', namespace: a[ANN.namespace] ?? '', role,
      tlsSkipVerify: bool(a, ANN.tlsSkipVerify, false), tlsServerName: a[ANN.tlsServerName] ?? '',
      authMinBackoff: a[ANN.authMinBackoff] ?? '', authMaxBackoff: a[ANN.authMaxBackoff] ?? '',
      autoAuthExitOnErr: bool(a, ANN.autoAuthExitOnErr, false),
    },
    templateConfig: {
      exitOnRetryFailure: bool(a, ANN.exitOnRetryFailure, true),
      staticSecretRenderInterval: a[ANN.staticSecretRenderInterval] ?? '',
      maxConnectionsPerHost: int(a, ANN.maxConnectionsPerHost),
      leaseRenewalThreshold: 0,
    },
  };
  const threshold = a[ANN.leaseRenewalThreshold];
  if (threshold !== undefined) {
    const n = Number(threshold);
    if (threshold.trim() === '' || !Number.isFinite(n)) throw new Error(`invalid value "${threshold}" for annotation ${ANN.leaseRenewalThreshold}: strconv.ParseFloat: parsing "${threshold}": invalid syntax`);
    spec.templateConfig.leaseRenewalThreshold = n;
  }
  if (bool(a, ANN.runAsSameUser, false)) {
    const first = (pod.spec?.containers ?? [])[0];
    if (!first) throw new Error('No containers found in Pod Spec');
    if (!first.securityContext) throw new Error('No SecurityContext found for Container 0');
    if (first.securityContext.runAsUser === undefined || first.securityContext.runAsUser === null) throw new Error("RunAsUser is nil for Container 0's SecurityContext");
    if (first.securityContext.runAsUser === 0) throw new Error('container not allowed to run as root');
    spec.runAsUser = first.securityContext.runAsUser;
  }
  if (ANN.shareProcessNamespace in a) {
    const share = bool(a, ANN.shareProcessNamespace, false);
    if (pod.spec?.shareProcessNamespace === false && share) throw new Error('shareProcessNamespace explicitly disabled on the pod, refusing to enable it');
    spec.shareProcessNamespace = share;
  }
  return spec;
}

/** vault-k8s's agent.Validate. */
export function validateAgent(s: AgentSpec): void {
  if (!s.namespace) throw new Error('namespace missing from request');
  if (!s.tokenVolume.name || !s.tokenVolume.mountPath || !s.tokenVolume.tokenPath) throw new Error('no service account token volume name, mount path or token path found');
  if (!s.image) throw new Error('no Vault image found');
  if (!s.vault.authType) throw new Error('no Vault Auth Type found');
  if (s.vault.authType === 'kubernetes' && !s.vault.role && !s.annotations[`${ANN.authConfig}-role`]) throw new Error('no Vault role found');
  if (!s.vault.authPath) throw new Error('no Vault Auth Path found');
  if (!s.vault.address) throw new Error('no Vault address found');
}
