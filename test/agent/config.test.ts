/** Agent configuration: Vault's schema in HCL and JSON, defaults, warnings, errors naming lines. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentConfigError, loadAgentConfig, parseAgentConfig, validateAgentConfig } from '../../src/agent/config.js';
import { tempDir } from './helpers.js';

const SEED_001 = `
exit_after_auth = true
pid_file = "/home/vault/pidfile"
auto_auth {
    method "kubernetes" {
        mount_path = "auth/kube-policy"
        config = {
            role = "my-role"
        }
    }
    sink "file" {
        config = {
            path = "/home/vault/.vault-token"
        }
    }
}
template {
destination = "/etc/secrets/cloudwatch-secrets"
contents = <<EOT
{{- with secret "secret/data/myapp/config" }}
export AWS_ACCESS_KEY_ID='{{ .Data.aws_access_key_id }}'
{{ end }}
EOT
}
`;

test('seed 001 config: method, mount path, sink and template with Vault defaults', () => {
  const c = parseAgentConfig(SEED_001, 'vault-agent-config.hcl');
  validateAgentConfig(c);
  assert.equal(c.exitAfterAuth, true);
  assert.equal(c.pidFile, '/home/vault/pidfile');
  assert.deepEqual(c.autoAuth?.method, {
    type: 'kubernetes', mountPath: 'auth/kube-policy', namespace: undefined, wrapTTL: undefined,
    minBackoff: 1, maxBackoff: 300, exitOnErr: false, config: { role: 'my-role' },
  });
  assert.deepEqual(c.autoAuth?.sinks, [{ type: 'file', wrapTTL: undefined, path: '/home/vault/.vault-token', mode: 0o640, uid: undefined, gid: undefined }]);
  const t = c.templates[0]!;
  assert.equal(t.destination, '/etc/secrets/cloudwatch-secrets');
  assert.match(t.contents!, /^\{\{- with secret "secret\/data\/myapp\/config" \}\}\n/);
  assert.equal(t.createDestDirs, true);
  assert.equal(t.backup, false);
  assert.equal(t.perms, undefined);
  assert.equal(t.commandTimeout, 30);
  assert.equal(t.errorOnMissingKey, false);
  assert.equal(c.templateConfig.staticSecretRenderInterval, 300);
  assert.equal(c.templateConfig.leaseRenewalThreshold, 0.9);
  assert.equal(c.vault.numRetries, 12);
  assert.deepEqual(c.warnings, []);
});

test('JSON config in Vault\'s shape, including lists of blocks', () => {
  const json = JSON.stringify({
    vault: { address: 'https://coffer:8200', retry: { num_retries: 0 } },
    auto_auth: { method: [{ type: 'approle', config: { role_id_file_path: '/r' } }], sink: [{ type: 'file', config: { path: '/t', mode: 384 } }] },
    template: [{ source: '/a.tpl', destination: '/a', perms: '0600', command: ['systemctl', 'reload', 'x'] }, { contents: 'x', destination: '/b', command: 'echo hi' }],
    template_config: { static_secret_render_interval: '10m', exit_on_retry_failure: true },
  });
  const c = parseAgentConfig(json, 'agent.json');
  validateAgentConfig(c);
  assert.equal(c.vault.address, 'https://coffer:8200');
  assert.equal(c.vault.numRetries, 12, '0 means the default');
  assert.equal(c.autoAuth?.method.type, 'approle');
  assert.equal(c.autoAuth?.method.mountPath, 'auth/approle');
  assert.equal(c.autoAuth?.sinks[0]!.mode, 0o600);
  assert.equal(c.templates[0]!.perms, 0o600);
  assert.deepEqual(c.templates[0]!.command, ['systemctl', 'reload', 'x']);
  assert.deepEqual(c.templates[1]!.command, ['/bin/sh', '-c', 'echo hi']);
  assert.equal(c.templateConfig.staticSecretRenderInterval, 600);
  assert.equal(c.templateConfig.exitOnRetryFailure, true);
});

test('template details: exec block, wait forms, delimiters, perms as HCL octal', () => {
  const c = parseAgentConfig(`
template {
  contents = "<% .x %>"
  destination = "/d"
  perms = 0600
  left_delimiter = "<%"
  right_delimiter = "%>"
  wait = "2s:10s"
  exec { command = ["a", "b"] timeout = "5s" }
  error_on_missing_key = true
  backup = true
}
template {
  contents = "x"
  destination = "/e"
  wait { min = "1s" }
}
`, 'a.hcl');
  const [a, b] = c.templates;
  assert.equal(a!.perms, 0o600);
  assert.deepEqual([a!.leftDelim, a!.rightDelim], ['<%', '%>']);
  assert.deepEqual([a!.waitMin, a!.waitMax], [2, 10]);
  assert.deepEqual(a!.command, ['a', 'b']);
  assert.equal(a!.commandTimeout, 5);
  assert.equal(a!.errorOnMissingKey, true);
  assert.equal(a!.backup, true);
  assert.deepEqual([b!.waitMin, b!.waitMax], [1, 4]);
});

test('unknown keys warn with their file and line', () => {
  const c = parseAgentConfig('exit_after_auth = true\nfoo = 1\nauto_auth {\n  method "token_file" {\n    config = { token_file_path = "/t" }\n    bogus = 2\n  }\n}\n', 'w.hcl');
  assert.deepEqual([...c.warnings].sort(), ['w.hcl:2: unknown key "foo" ignored', 'w.hcl:6: unknown key "auto_auth.method[token_file].bogus" ignored']);
});

const errors: [string, string, RegExp][] = [
  ['HCL syntax', 'auto_auth {\n  method "x" {\n', /^error loading "e.hcl": At e\.hcl:\d+:\d+: /],
  ['bad type', 'exit_after_auth = "maybe"', /^e\.hcl:1: exit_after_auth: expected a boolean/],
  ['bad duration', 'template_config {\n  static_secret_render_interval = "soon"\n}', /^e\.hcl:2: template_config\.static_secret_render_interval: time: invalid duration "soon"/],
  ['backoff order', 'auto_auth {\n  method "approle" {\n    min_backoff = "10s"\n    max_backoff = "1s"\n  }\n}', /^e\.hcl:3: auto_auth\.method\[approle\]\.min_backoff: min_backoff cannot be greater than max_backoff/],
  ['two methods', 'auto_auth {\n  method "a" {}\n  method "b" {}\n}', /one and only one "method" block is required/],
  ['no method', 'auto_auth {\n}', /no 'method' block found/],
  ['bad perms', 'template {\n  contents = "x"\n  destination = "/x"\n  perms = "rw"\n}', /^e\.hcl:4: template\.perms: expected a file mode/],
  ['source and contents', 'template {\n  source = "a"\n  contents = "b"\n}', /"source" and "contents" cannot be specified together/],
  ['env_template destination', 'env_template "A" {\n  contents = "x"\n  destination = "/x"\n}', /'destination' is not allowed/],
  ['bad restart value', 'exec {\n  command = ["a"]\n  restart_on_secret_changes = "sometimes"\n}', /unexpected value: "sometimes"/],
];
for (const [name, text, re] of errors) {
  test(`error: ${name}`, () => assert.throws(() => parseAgentConfig(text, 'e.hcl'), (e: Error) => e instanceof AgentConfigError && re.test(e.message)));
}

const invalid: [string, string, RegExp][] = [
  ['exec without env_template', 'auto_auth {\n method "token_file" { config = { token_file_path = "/t" } }\n}\nexec { command = ["a"] }', /at least one 'env_template'/],
  ['env_template with template', 'auto_auth {\n method "token_file" { config = { token_file_path = "/t" } }\n}\nexec { command = ["a"] }\nenv_template "A" { contents = "x" }\ntemplate {\n contents = "x"\n destination = "/x"\n}', /'template' cannot be specified with 'env_template'/],
  ['nothing to do', 'pid_file = "/p"', /no auto_auth, cache, or listener block found/],
  ['auto_auth without outputs', 'auto_auth {\n method "token_file" { config = { token_file_path = "/t" } }\n}', /requires at least one sink or at least one template/],
  ['api_proxy without listener', 'auto_auth {\n method "token_file" { config = { token_file_path = "/t" } }\n sink "file" { config = { path = "/s" } }\n}\napi_proxy { use_auto_auth_token = true }', /requires at least 1 listener/],
];
for (const [name, text, re] of invalid) {
  test(`invalid: ${name}`, () => assert.throws(() => validateAgentConfig(parseAgentConfig(text, 'v.hcl')), re));
}

test('-config may name a directory: its .hcl and .json files are merged in name order', () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'conf/10-auth.hcl'), 'auto_auth {\n method "token_file" { config = { token_file_path = "/t" } }\n}\n');
  writeFileSync(join(dir, 'conf/20-tpl.json'), JSON.stringify({ template: { contents: 'x', destination: '/x' } }));
  writeFileSync(join(dir, 'conf/README'), 'not config');
  const c = loadAgentConfig([join(dir, 'conf')]);
  assert.equal(c.autoAuth?.method.type, 'token_file');
  assert.equal(c.templates.length, 1);
  assert.equal(c.files.length, 2);
});
