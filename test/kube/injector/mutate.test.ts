/**
 * The injector's decision as a pure function: pod (as the API server sends it, service-account
 * volume already added) → AdmissionResponse. The patch is applied with the test server's RFC 6902
 * implementation and the resulting pod is checked the way vault-k8s's own tests check it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings } from '../../../src/kube/injector/annotations.js';
import { decodeAgentConfig, defaultTemplate } from '../../../src/kube/injector/agent-config.js';
import { CONTAINER_ARG } from '../../../src/kube/injector/containers.js';
import { mutate } from '../../../src/kube/injector/mutate.js';
import { jsonPatch } from '../../../src/kube/testing/patch.js';

const settings = defaultSettings({ address: 'https://coffer.coffer.svc:8200' });
const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

function pod(annotations: Record<string, string>, spec: Record<string, any> = {}): Record<string, any> {
  return {
    metadata: { name: 'web', namespace: 'app', annotations },
    spec: {
      serviceAccountName: 'web',
      containers: [{ name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'kube-api-access-x7k2p', readOnly: true, mountPath: SA }] }],
      volumes: [{ name: 'kube-api-access-x7k2p', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] } }],
      ...spec,
    },
    status: { phase: 'Pending' },
  };
}

function review(p: Record<string, any>, namespace = 'app') {
  return mutate({ uid: 'u-1', namespace, object: p }, settings);
}

function injected(p: Record<string, any>, namespace = 'app'): any {
  const r = review(p, namespace);
  assert.equal(r.allowed, true, r.status?.message);
  assert.equal(r.patchType, 'JSONPatch');
  return jsonPatch(structuredClone(p), JSON.parse(Buffer.from(r.patch!, 'base64').toString('utf8')));
}

const configOf = (c: any) => decodeAgentConfig(c.env.find((e: any) => e.name === 'VAULT_CONFIG').value);

test('an annotated pod gets the init container, the sidecar, the memory volume and the mounts', () => {
  const out = injected(pod({
    'vault.hashicorp.com/agent-inject': 'true',
    'vault.hashicorp.com/role': 'web',
    'vault.hashicorp.com/agent-inject-secret-db-creds': 'database/creds/awesome-db',
  }));
  assert.equal(out.metadata.annotations['vault.hashicorp.com/agent-inject-status'], 'injected');
  assert.deepEqual(out.spec.volumes.slice(1), [
    { name: 'home-init', emptyDir: { medium: 'Memory' } },
    { name: 'home-sidecar', emptyDir: { medium: 'Memory' } },
    { name: 'vault-secrets', emptyDir: { medium: 'Memory' } },
  ]);
  assert.deepEqual(out.spec.containers[0].volumeMounts[1], { name: 'vault-secrets', mountPath: '/vault/secrets' });
  const [init] = out.spec.initContainers;
  const sidecar = out.spec.containers[1];
  assert.equal(init.name, 'vault-agent-init');
  assert.equal(sidecar.name, 'vault-agent');
  for (const c of [init, sidecar]) {
    assert.equal(c.image, 'coffer:latest');
    assert.deepEqual(c.command, ['/bin/sh', '-ec']);
    assert.deepEqual(c.args, [CONTAINER_ARG]);
    assert.match(c.args[0], /base64 -d > \/home\/vault\/config\.json && coffer agent -config=\/home\/vault\/config\.json$/);
    assert.deepEqual(c.resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', memory: '64Mi' } });
    assert.deepEqual(c.securityContext, { capabilities: { drop: ['ALL'] }, runAsUser: 100, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    assert.ok(c.volumeMounts.some((m: any) => m.name === 'kube-api-access-x7k2p' && m.mountPath === SA && m.readOnly));
    assert.ok(c.volumeMounts.some((m: any) => m.name === 'vault-secrets' && m.mountPath === '/vault/secrets'));
    assert.deepEqual(c.env.slice(0, 3).map((e: any) => e.valueFrom.fieldRef.fieldPath), ['metadata.namespace', 'status.hostIP', 'status.podIP']);
    assert.equal(c.env.find((e: any) => e.name === 'VAULT_LOG_LEVEL').value, 'info');
  }
  assert.ok(init.volumeMounts.some((m: any) => m.name === 'home-init' && m.mountPath === '/home/vault'));
  assert.ok(sidecar.volumeMounts.some((m: any) => m.name === 'home-sidecar' && m.mountPath === '/home/vault'));

  const cfg = configOf(init);
  assert.deepEqual(cfg, {
    auto_auth: {
      method: { type: 'kubernetes', mount_path: 'auth/kubernetes', config: { token_path: `${SA}/token`, role: 'web' } },
      sink: [{ type: 'file', config: { path: '/home/vault/.vault-token' } }],
    },
    exit_after_auth: true,
    pid_file: '/home/vault/.pid',
    vault: { address: 'https://coffer.coffer.svc:8200' },
    template: [{
      destination: '/vault/secrets/db-creds',
      contents: '{{ with secret "database/creds/awesome-db" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}',
      left_delimiter: '{{', right_delimiter: '}}',
    }],
    template_config: { exit_on_retry_failure: true },
  });
  assert.deepEqual(configOf(sidecar), { ...cfg, exit_after_auth: false });
});

test('pods that do not ask, or were injected already, or run already, are allowed untouched', () => {
  const cases: [string, Record<string, any>][] = [
    ['no annotations', pod({})],
    ['agent-inject false', pod({ 'vault.hashicorp.com/agent-inject': 'false', 'vault.hashicorp.com/role': 'web' })],
    ['status injected', pod({ 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/agent-inject-status': 'injected' })],
    ['running pod', { ...pod({ 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web' }), status: { phase: 'Running' } }],
  ];
  for (const [name, p] of cases) assert.deepEqual(review(p), { uid: 'u-1', allowed: true }, name);
  // "update" is not "injected": the pod is injected again.
  assert.ok(review(pod({ 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web', 'vault.hashicorp.com/agent-inject-status': 'update' })).patch);
});

test('bad annotations are denied with vault-k8s messages naming the annotation', () => {
  const base = { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web' };
  const cases: [string, Record<string, any>, string, string?][] = [
    ['inject not a bool', pod({ 'vault.hashicorp.com/agent-inject': 'yes please' }), 'error checking if should inject agent: invalid value "yes please" for annotation vault.hashicorp.com/agent-inject: strconv.ParseBool: parsing "yes please": invalid syntax'],
    ['pre-populate not a bool', pod({ ...base, 'vault.hashicorp.com/agent-pre-populate': 'maybe' }), 'error creating new agent sidecar: invalid value "maybe" for annotation vault.hashicorp.com/agent-pre-populate: strconv.ParseBool: parsing "maybe": invalid syntax'],
    ['no role', pod({ 'vault.hashicorp.com/agent-inject': 'true' }), 'error validating agent configuration: no Vault role found'],
    ['bad run-as-user', pod({ ...base, 'vault.hashicorp.com/agent-run-as-user': 'root' }), 'error creating new agent sidecar: invalid value "root" for annotation vault.hashicorp.com/agent-run-as-user: strconv.ParseInt: parsing "root": invalid syntax'],
    ['bad cpu limit', pod({ ...base, 'vault.hashicorp.com/agent-limits-cpu': 'lots' }), "error creating patch for agent: invalid value \"lots\" for annotation vault.hashicorp.com/agent-limits-cpu: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ['bad default template', pod({ ...base, 'vault.hashicorp.com/agent-inject-default-template': 'yaml' }), 'error creating new agent sidecar: invalid default template type: yaml'],
    ['bad backoff', pod({ ...base, 'vault.hashicorp.com/auth-min-backoff': 'soon' }), 'error adding default annotations: error parsing min backoff as duration: time: invalid duration "soon"'],
    ['system namespace', pod(base), 'error with request namespace: cannot inject into system namespaces: kube-system', 'kube-system'],
    ['no token volume', pod(base, { containers: [{ name: 'app', image: 'busybox' }], volumes: [] }), 'error creating new agent sidecar: failed to find service account volume mount'],
    ['unknown token volume', pod({ ...base, 'vault.hashicorp.com/agent-service-account-token-volume-name': 'nope' }), 'error creating new agent sidecar: failed to find service account volume "nope"'],
    ['configmap', pod({ ...base, 'vault.hashicorp.com/agent-configmap': 'my-agent-config' }), 'error creating new agent sidecar: annotation vault.hashicorp.com/agent-configmap is not supported by the Coffer injector'],
  ];
  for (const [name, p, message, ns] of cases) {
    assert.deepEqual(review(p, ns), { uid: 'u-1', allowed: false, status: { message } }, name);
  }
});

test('templates, files, custom paths, token sink, namespace and TLS settings reach the agent config', () => {
  const out = injected(pod({
    'vault.hashicorp.com/agent-inject': 'true',
    'vault.hashicorp.com/role': 'web',
    'vault.hashicorp.com/auth-path': 'auth/k8s-prod',
    'vault.hashicorp.com/namespace': 'team-a',
    'vault.hashicorp.com/tls-skip-verify': 'true',
    'vault.hashicorp.com/ca-cert': '/vault/tls/ca.crt',
    'vault.hashicorp.com/agent-inject-token': 'true',
    'vault.hashicorp.com/agent-inject-secret-Config.JSON': 'secret/data/web',
    'vault.hashicorp.com/agent-inject-template-Config.JSON': '{{ with secret "secret/data/web" }}{{ .Data.data | toJSON }}{{ end }}',
    'vault.hashicorp.com/agent-inject-file-Config.JSON': 'app/config.json',
    'vault.hashicorp.com/agent-inject-perms-Config.JSON': '0440',
    'vault.hashicorp.com/agent-inject-secret-cert': 'pki/issue/web',
    'vault.hashicorp.com/secret-volume-path-cert': '/etc/tls',
    'vault.hashicorp.com/agent-inject-command-cert': 'kill -HUP 1',
    'vault.hashicorp.com/agent-inject-default-template': 'json',
  }));
  const cfg = configOf(out.spec.containers[1]);
  assert.deepEqual(cfg.auto_auth.method, { type: 'kubernetes', mount_path: 'auth/k8s-prod', namespace: 'team-a', config: { token_path: `${SA}/token`, role: 'web' } });
  assert.deepEqual(cfg.auto_auth.sink[1], { type: 'file', config: { path: '/vault/secrets/token' } });
  assert.deepEqual(cfg.vault, { address: 'https://coffer.coffer.svc:8200', ca_cert: '/vault/tls/ca.crt', tls_skip_verify: true });
  assert.deepEqual(cfg.template, [
    { destination: '/vault/secrets/app/config.json', contents: '{{ with secret "secret/data/web" }}{{ .Data.data | toJSON }}{{ end }}', left_delimiter: '{{', right_delimiter: '}}', perms: '0440' },
    { destination: '/etc/tls/cert', contents: defaultTemplate('json', 'pki/issue/web'), left_delimiter: '{{', right_delimiter: '}}', command: 'kill -HUP 1' },
  ]);
  // The secret with its own directory gets its own memory volume, mounted in app and agents.
  assert.deepEqual(out.spec.volumes.at(-1), { name: 'vault-secrets-custom-0', emptyDir: { medium: 'Memory' } });
  for (const c of [out.spec.containers[0], out.spec.containers[1], out.spec.initContainers[0]]) {
    assert.ok(c.volumeMounts.some((m: any) => m.name === 'vault-secrets-custom-0' && m.mountPath === '/etc/tls'), c.name);
  }
});

test('pre-populate, pre-populate-only, init-first, resources, run-as-user and token volume name', () => {
  const base = { 'vault.hashicorp.com/agent-inject': 'true', 'vault.hashicorp.com/role': 'web' };
  const inits = [{ name: 'migrate', image: 'migrate:1' }];
  const sidecarOnly = injected(pod({ ...base, 'vault.hashicorp.com/agent-pre-populate': 'false' }));
  assert.equal(sidecarOnly.spec.initContainers, undefined);
  assert.deepEqual(sidecarOnly.spec.containers.map((c: any) => c.name), ['app', 'vault-agent']);
  assert.ok(!sidecarOnly.spec.volumes.some((v: any) => v.name === 'home-init'));

  const initOnly = injected(pod({ ...base, 'vault.hashicorp.com/agent-pre-populate-only': 'true' }, { initContainers: inits }));
  assert.deepEqual(initOnly.spec.containers.map((c: any) => c.name), ['app']);
  assert.deepEqual(initOnly.spec.initContainers.map((c: any) => c.name), ['migrate', 'vault-agent-init']);
  assert.deepEqual(initOnly.spec.initContainers[0].volumeMounts, [{ name: 'vault-secrets', mountPath: '/vault/secrets' }]);

  const first = injected(pod({ ...base, 'vault.hashicorp.com/agent-init-first': 'true' }, { initContainers: inits }));
  assert.deepEqual(first.spec.initContainers.map((c: any) => c.name), ['vault-agent-init', 'migrate']);
  assert.deepEqual(first.spec.initContainers[1].volumeMounts, [{ name: 'vault-secrets', mountPath: '/vault/secrets' }]);

  const tuned = injected(pod({
    ...base, 'vault.hashicorp.com/agent-limits-cpu': '1', 'vault.hashicorp.com/agent-limits-mem': '256Mi',
    'vault.hashicorp.com/agent-requests-cpu': '100m', 'vault.hashicorp.com/agent-requests-mem': '32Mi', 'vault.hashicorp.com/agent-run-as-user': '0',
    'vault.hashicorp.com/agent-inject-containers': 'app',
  }, { containers: [...pod({}).spec.containers, { name: 'metrics', image: 'm:1' }] }));
  const agent = tuned.spec.containers[2];
  assert.deepEqual(agent.resources, { limits: { cpu: '1', memory: '256Mi' }, requests: { cpu: '100m', memory: '32Mi' } });
  assert.equal(agent.securityContext.runAsUser, 0);
  assert.equal(agent.securityContext.runAsNonRoot, false);
  assert.equal(tuned.spec.containers[1].volumeMounts, undefined, 'only the listed containers get the secrets');

  const projected = pod({ ...base, 'vault.hashicorp.com/agent-service-account-token-volume-name': 'vault-token' });
  projected.spec.volumes.push({ name: 'vault-token', projected: { sources: [{ serviceAccountToken: { audience: 'coffer', path: 'vault-token' } }] } });
  const withProjected = injected(projected);
  const cfg = configOf(withProjected.spec.initContainers[0]);
  assert.equal(cfg.auto_auth.method.config.token_path, '/var/run/secrets/vault.hashicorp.com/serviceaccount/vault-token');
  assert.ok(withProjected.spec.initContainers[0].volumeMounts.some((m: any) => m.name === 'vault-token' && m.mountPath === '/var/run/secrets/vault.hashicorp.com/serviceaccount'));
});
