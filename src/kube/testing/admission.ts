/**
 * Mutating admission webhooks: on create and update, every matching webhook of every
 * MutatingWebhookConfiguration (in name order) gets an AdmissionReview over HTTPS (`clientConfig.url`,
 * trusting `caBundle`) and its JSONPatch is applied, with the rule, selector, failurePolicy and
 * timeout semantics and the error texts of kube-apiserver. Service references cannot be resolved
 * without cluster networking: such webhooks fail as unreachable (and so obey failurePolicy).
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:https';
import { fromLabelSelector, matches, type LabelSelector } from '../selector.js';
import type { Admitter, KubeCluster } from './cluster.js';
import { jsonPatch } from './patch.js';
import type { KindInfo } from './resources.js';
import { failure, type KubeError } from './status.js';
import type { KubeObject } from './store.js';
import type { UserInfo } from './tokens.js';

interface Rule { operations?: string[]; apiGroups?: string[]; apiVersions?: string[]; resources?: string[]; scope?: string }

interface Webhook {
  name: string;
  clientConfig: { url?: string; caBundle?: string; service?: { name: string; namespace: string; path?: string; port?: number } };
  rules?: Rule[];
  failurePolicy?: string;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  timeoutSeconds?: number;
  admissionReviewVersions?: string[];
}

const anyOf = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

function ruleMatches(rule: Rule, kind: KindInfo, operation: string, subresource = ''): boolean {
  const resource = subresource ? `${kind.plural}/${subresource}` : kind.plural;
  const resources = rule.resources ?? [];
  const resourceOk = resources.some((r) => r === '*' || r === resource || (r === `${kind.plural}/*` && !!subresource) || (r === '*/*'));
  const scope = rule.scope ?? '*';
  const scopeOk = scope === '*' || (scope === 'Namespaced') === kind.namespaced;
  return anyOf(rule.operations, operation) && anyOf(rule.apiGroups, kind.group) && anyOf(rule.apiVersions, kind.version) && resourceOk && scopeOk;
}

function post(url: string, caBundle: string | undefined, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
    const req = request(url, { method: 'POST', ca, headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('context deadline exceeded')));
    req.on('error', reject);
    req.end(body);
  });
}

function denied(name: string, status: Record<string, any> | undefined): KubeError {
  const code = typeof status?.code === 'number' && status.code >= 400 ? status.code : 400;
  const why = status?.message || status?.reason;
  const message = why ? `admission webhook "${name}" denied the request: ${why}` : `admission webhook "${name}" denied the request without explanation`;
  return failure(code, status?.reason ?? '', message);
}

async function callWebhook(hook: Webhook, review: Record<string, any>): Promise<Record<string, any>> {
  const url = hook.clientConfig.url;
  const callFailed = (why: string) => new Error(`failed calling webhook "${hook.name}": ${why}`);
  if (!url) throw callFailed(`failed to call webhook: service "${hook.clientConfig.service?.namespace}/${hook.clientConfig.service?.name}" cannot be reached from the test server; use clientConfig.url`);
  let res: { status: number; text: string };
  try {
    res = await post(url, hook.clientConfig.caBundle, JSON.stringify(review), (hook.timeoutSeconds ?? 10) * 1000);
  } catch (e) {
    throw callFailed(`failed to call webhook: Post "${url}": ${(e as Error).message}`);
  }
  if (res.status < 200 || res.status > 299) throw callFailed(`received invalid webhook response: expected status 200, got ${res.status}`);
  let parsed: Record<string, any>;
  try { parsed = JSON.parse(res.text); } catch { throw callFailed('received invalid webhook response: the response is not JSON'); }
  const response = parsed.response;
  if (!response) throw callFailed('received invalid webhook response: webhook response was absent');
  if (response.uid !== review.request.uid) throw callFailed(`received invalid webhook response: expected response.uid="${review.request.uid}", got "${response.uid}"`);
  return response;
}

/** The admitter the cluster runs for every create and update. */
export function mutatingWebhooks(c: KubeCluster): Admitter {
  return async (kind, obj, operation, user: UserInfo, old?: KubeObject) => {
    if (kind.group === 'admissionregistration.k8s.io') return obj; // webhooks never intercept their own configuration
    const configs = c.store.list(c.kind('mutatingwebhookconfigurations', 'admissionregistration.k8s.io'));
    if (!configs.length) return obj;
    const nsLabels = kind.kind === 'Namespace' ? obj.metadata.labels
      : kind.namespaced ? c.store.get(c.kind('namespaces'), undefined, obj.metadata.namespace ?? '')?.metadata.labels : undefined;
    let current = obj;
    for (const cfg of configs) {
      for (const hook of (cfg.webhooks ?? []) as Webhook[]) {
        if (!(hook.rules ?? []).some((r) => ruleMatches(r, kind, operation))) continue;
        if (kind.namespaced || kind.kind === 'Namespace') {
          if (!matches(fromLabelSelector(hook.namespaceSelector ?? {}), nsLabels)) continue;
        }
        if (!matches(fromLabelSelector(hook.objectSelector ?? {}), current.metadata.labels)) continue;
        const version = (hook.admissionReviewVersions ?? []).includes('v1') ? 'v1' : 'v1beta1';
        const review = {
          apiVersion: `admission.k8s.io/${version}`, kind: 'AdmissionReview',
          request: {
            uid: randomUUID(),
            kind: { group: kind.group, version: kind.version, kind: kind.kind },
            resource: { group: kind.group, version: kind.version, resource: kind.plural },
            requestKind: { group: kind.group, version: kind.version, kind: kind.kind },
            requestResource: { group: kind.group, version: kind.version, resource: kind.plural },
            name: current.metadata.name ?? '', namespace: kind.namespaced ? current.metadata.namespace : undefined,
            operation, userInfo: { username: user.username, uid: user.uid, groups: user.groups, extra: user.extra },
            object: current, oldObject: old ?? null, dryRun: false,
            options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'CREATE' ? 'CreateOptions' : 'UpdateOptions' },
          },
        };
        let response: Record<string, any>;
        try {
          response = await callWebhook(hook, review);
        } catch (e) {
          if (hook.failurePolicy === 'Ignore') continue;
          throw failure(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
        }
        if (!response.allowed) throw denied(hook.name, response.status);
        if (response.patch) {
          if (response.patchType && response.patchType !== 'JSONPatch') throw failure(500, 'InternalError', `Internal error occurred: unsupported patch type "${response.patchType}"`);
          const ops = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
          current = jsonPatch(current as never, ops) as unknown as KubeObject;
        }
      }
    }
    return current;
  };
}
