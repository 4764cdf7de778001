import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HclBlock, HclError, blocks, decodeHCL, isBlockList, lineOf, parseHCL, toJSON, type HclBody } from '../../src/lib/hcl.js';

// Each case: HCL text and the JSON Vault's HCL→JSON equivalence gives for it.
const decodeCases: [string, string, unknown][] = [
  ['empty file', '', {}],
  ['only comments', '# a\n// b\n/* c\n d */\n', {}],
  ['string, number, bool', 'a = "x"\nb = 12\nc = true\nd = false\ne = -3\nf = 1.5\ng = 2e3', { a: 'x', b: 12, c: true, d: false, e: -3, f: 1.5, g: 2000 }],
  ['hex and octal as in HCL1', 'mode = 0640\nmask = 0x1F\nzero = 0', { mode: 0o640, mask: 31, zero: 0 }],
  ['null (HCL2)', 'a = null', { a: null }],
  ['escapes', String.raw`a = "q\"b\\n\n\t\u00e9\U0001F600/"`, { a: 'q"b\\n\n\té\u{1F600}/' }],
  ['interpolation kept literally', 'a = "${var.x}-${lookup(m, "k")}"\nb = "%{ if x }y%{ endif }"\nc = "$${x}"', { a: '${var.x}-${lookup(m, "k")}', b: '%{ if x }y%{ endif }', c: '$${x}' }],
  ['quoted keys', '"foo-bar" = 1\n"with space" = 2', { 'foo-bar': 1, 'with space': 2 }],
  ['identifiers with dashes and dots', 'foo-bar.baz = 1', { 'foo-bar.baz': 1 }],
  ['lists: trailing comma, multi-line, comments', 'a = [\n  "x", # one\n  "y", // two\n]\nb = []\nc = [1, [2, 3], { k = "v" }]', { a: ['x', 'y'], b: [], c: [1, [2, 3], { k: 'v' }] }],
  ['object attribute', 'config = {\n  role = "my-role"\n  n = 2\n}', { config: { role: 'my-role', n: 2 } }],
  ['object with commas and colons', 'o = { a = 1, "b": 2, c: [3] }', { o: { a: 1, b: 2, c: [3] } }],
  ['block without labels', 'vault {\n  address = "https://v:8200"\n}', { vault: { address: 'https://v:8200' } }],
  ['repeated unlabelled blocks become a list', 'template {\n  destination = "a"\n}\ntemplate {\n  destination = "b"\n}', { template: [{ destination: 'a' }, { destination: 'b' }] }],
  ['labelled blocks nest under labels', 'path "secret/*" {\n  capabilities = ["read"]\n}\npath "sys/mounts" {\n  capabilities = ["list"]\n}', { path: { 'secret/*': { capabilities: ['read'] }, 'sys/mounts': { capabilities: ['list'] } } }],
  ['same labels repeated become a list', 'path "a" { capabilities = ["read"] }\npath "a" { capabilities = ["list"] }', { path: { a: [{ capabilities: ['read'] }, { capabilities: ['list'] }] } }],
  ['two labels', 'env "prod" "eu" { n = 1 }\nenv "prod" "us" { n = 2 }', { env: { prod: { eu: { n: 1 }, us: { n: 2 } } } }],
  ['identifier label', 'listener tcp { address = "x" }', { listener: { tcp: { address: 'x' } } }],
  ['items on one line without separators (HCL1)', 'path "a" { policy = "write" } path "b" { policy = "read" }', { path: { a: { policy: 'write' }, b: { policy: 'read' } } }],
  ['several attributes on one line', 'a = 1 b = "2" c = [3]', { a: 1, b: '2', c: [3] }],
  ['repeated attribute keeps the last', 'a = 1\na = 2', { a: 2 }],
  ['nested blocks', 'auto_auth {\n  method "kubernetes" {\n    config = { role = "r" }\n  }\n  sink "file" {\n    config = { path = "/t" }\n  }\n}', { auto_auth: { method: { kubernetes: { config: { role: 'r' } } }, sink: { file: { config: { path: '/t' } } } } }],
  ['block inside an object value', 'a = {\n  b "c" { d = 1 }\n}', { a: { b: { c: { d: 1 } } } }],
  ['heredoc', 'contents = <<EOT\n{{ with secret "s" }}\n  {{ .Data.x }}\n{{ end }}\nEOT\nnext = 1', { contents: '{{ with secret "s" }}\n  {{ .Data.x }}\n{{ end }}\n', next: 1 }],
  ['heredoc with trailing spaces after the marker and an indented closer', 'c = <<EOT  \nline\n    EOT\n', { c: 'line\n' }],
  ['indented heredoc strips common indent', 'c = <<-EOF\n    a\n      b\n\n    c\n    EOF\n', { c: 'a\n  b\n\nc\n' }],
  ['empty heredoc', 'c = <<EOF\nEOF', { c: '' }],
  ['heredoc keeps quotes, backslashes and ${}', 'c = <<EOF\n"q" \\n ${x}\nEOF', { c: '"q" \\n ${x}\n' }],
  ['CRLF line endings', 'a = 1\r\nb {\r\n  c = "d"\r\n}\r\n', { a: 1, b: { c: 'd' } }],
  ['__proto__ is an ordinary key', 'allowed_parameters = { "__proto__" = ["x"] }', { allowed_parameters: JSON.parse('{"__proto__":["x"]}') }],
  ['policy with parameters', 'path "secret/foo" {\n  capabilities = ["create"]\n  allowed_parameters = {\n    "foo" = []\n    "bar" = ["zip", "zap",]\n  }\n  denied_parameters = { "*" = [] }\n  required_parameters = ["foo"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = 3600\n}', { path: { 'secret/foo': { capabilities: ['create'], allowed_parameters: { foo: [], bar: ['zip', 'zap'] }, denied_parameters: { '*': [] }, required_parameters: ['foo'], min_wrapping_ttl: '1m', max_wrapping_ttl: 3600 } } }],
];

for (const [name, text, want] of decodeCases) {
  test(`decode: ${name}`, () => {
    assert.deepEqual(decodeHCL(text), want);
  });
}

const jsonCases: [string, string, unknown][] = [
  ['object', '{"a": 1, "b": "x\\u00e9\\/", "c": [true, null], "d": {"e": -1.5e2}}', { a: 1, b: 'xé/', c: [true, null], d: { e: -150 } }],
  ['leading whitespace', '  \n{"path": {"secret/*": {"capabilities": ["read"]}}}', { path: { 'secret/*': { capabilities: ['read'] } } }],
  ['surrogate pair escapes', '{"s": "\\ud83d\\ude00"}', { s: '\u{1F600}' }],
  ['empty', '{}', {}],
];

for (const [name, text, want] of jsonCases) {
  test(`JSON input: ${name}`, () => {
    assert.deepEqual(decodeHCL(text), want);
  });
}

test('JSON input equals its HCL twin after decoding', () => {
  const hcl = 'storage "sqlite" {\n  path = "/d"\n}\nlistener "tcp" {\n  address = "a"\n}\nlistener "tcp" {\n  address = "b"\n}\nui = true';
  const json = '{"storage": {"sqlite": {"path": "/d"}}, "listener": {"tcp": [{"address": "a"}, {"address": "b"}]}, "ui": true}';
  assert.deepEqual(decodeHCL(hcl), decodeHCL(json));
});

// Each case: text, the error position and a fragment of the reason.
const errorCases: [string, string, string, RegExp][] = [
  ['missing =', 'ui = true\nlog_level "debug"\n', '3:1', /expected '\{' to open block "log_level", found end of file/],
  ['missing = before a value', 'a {\n  b = 1\n  cc true\n}', '3:6', /expected '=' after "cc", found 'true'/],
  ['unterminated string', 'a = "abc\nb = 1', '1:5', /literal not terminated/],
  ['unterminated block', 'path "a" {\n  policy = "read"\n', '3:1', /object expected closing '\}'/],
  ['unexpected closing brace', 'a = 1\n}', '2:1', /expected an attribute name or block type, found '\}'/],
  ['bad value', 'a = foo', '1:5', /expected a value .* found 'foo'/],
  ['missing comma in list', 'a = [1 2]', '1:8', /expected ',' or '\]' in list, found number 2/],
  ['unterminated list', 'a = [1,', '1:8', /expected a value .* found end of file/],
  ['bad escape', 'a = "\\q"', '1:6', /invalid escape sequence "\\q"/],
  ['unterminated comment', 'a = 1 /* x', '1:7', /comment not terminated/],
  ['unterminated heredoc', 'a = <<EOF\nx\n', '1:5', /heredoc not terminated/],
  ['heredoc marker with text after it', 'a = <<EOF x\nEOF', '1:5', /heredoc marker/],
  ['illegal character', 'a = 1\n@', '2:1', /illegal character "@"/],
  ['bad number', 'a = 12abc', '1:5', /invalid number/],
  ['non-octal leading zero', 'a = 089', '1:5', /invalid octal number/],
  ['attribute then block', 'a = 1\na { }', '2:1', /"a" is defined both as an attribute and as a block/],
  ['block then attribute', 'a { }\na = 1', '2:1', /"a" is defined both as a block and as an attribute/],
  ['labels then =', 'a "b" = 1', '1:7', /expected '\{' to open block "a"/],
  ['JSON trailing garbage', '{"a": 1} x', '1:10', /unexpected 'x' after the top-level object/],
  ['JSON missing colon', '{"a" 1}', '1:6', /expected '=' after "a", found number 1/],
  ['unterminated interpolation', 'a = "${x"', '1:6', /interpolation not terminated/],
];

for (const [name, text, at, reason] of errorCases) {
  test(`error: ${name}`, () => {
    assert.throws(() => parseHCL(text, 'f.hcl'), (e: unknown) => {
      assert.ok(e instanceof HclError, String(e));
      assert.equal(`${e.line}:${e.column}`, at, e.message);
      assert.match(e.message, new RegExp(`^At f\\.hcl:${at}: `));
      assert.match(e.reason, reason);
      return true;
    });
  });
}

test('error without a filename uses HCL1 wording', () => {
  assert.throws(() => parseHCL('path "a" {\n  capabilities = ["read"\n}'), /^HclError: At 3:1: expected ',' or '\]' in list, found '\}'$/);
  assert.throws(() => parseHCL('x'), (e: unknown) => e instanceof HclError && e.message === "At 1:2: expected '=' after \"x\", found end of file");
});

test('raw tree: blocks are HclBlock entries with labels, body and position', () => {
  const tree = parseHCL('# header\npath "a" {\n  capabilities = ["read"]\n}\n\npath "b" {\n  policy = "write"\n}\nname = "p"\n');
  const paths = tree.path;
  assert.ok(isBlockList(paths));
  assert.deepEqual(paths.map((b) => [b.type, b.labels, b.line, b.column]), [['path', ['a'], 2, 1], ['path', ['b'], 6, 1]]);
  assert.deepEqual(paths[0]!.body, { capabilities: ['read'] });
  assert.equal(tree.name, 'p');
  assert.deepEqual(lineOf(tree, 'name'), { line: 9, column: 1 });
  assert.deepEqual(lineOf(paths[1]!.body, 'policy'), { line: 7, column: 3 });
  assert.deepEqual(lineOf(tree, 'path'), { line: 2, column: 1 });
  assert.equal(lineOf(tree, 'missing'), undefined);
});

test('positions survive toJSON and JSON input', () => {
  const j = decodeHCL('a = 1\n\nstorage "sqlite" {\n  path = "x"\n}\n');
  assert.equal(lineOf(j, 'a')!.line, 1);
  assert.equal(lineOf(j, 'storage')!.line, 3);
  assert.equal(lineOf(j.storage as object, 'sqlite')!.line, 3);
  assert.equal(lineOf((j.storage as Record<string, object>).sqlite!, 'path')!.line, 4);
  const fromJSON = parseHCL('{\n  "ui": true,\n  "listener": {\n    "tcp": {"address": "a"}\n  }\n}');
  assert.equal(lineOf(fromJSON, 'listener')!.line, 3);
  assert.equal(lineOf(fromJSON.listener as object, 'tcp')!.line, 4);
});

// blocks(): the same blocks whichever syntax wrote them.
const blockCases: [string, string, string, number, [string[], unknown][]][] = [
  ['HCL labelled', 'listener "tcp" { address = "a" }\nlistener "unix" { address = "b" }', 'listener', 1, [[['tcp'], { address: 'a' }], [['unix'], { address: 'b' }]]],
  ['JSON labelled', '{"listener": {"tcp": {"address": "a"}, "unix": {"address": "b"}}}', 'listener', 1, [[['tcp'], { address: 'a' }], [['unix'], { address: 'b' }]]],
  ['JSON list of labelled objects', '{"listener": [{"tcp": {"address": "a"}}, {"tcp": {"address": "b"}}]}', 'listener', 1, [[['tcp'], { address: 'a' }], [['tcp'], { address: 'b' }]]],
  ['JSON label with a list of bodies', '{"listener": {"tcp": [{"address": "a"}, {"address": "b"}]}}', 'listener', 1, [[['tcp'], { address: 'a' }], [['tcp'], { address: 'b' }]]],
  ['HCL object form', 'listener = { tcp = { address = "a" } }', 'listener', 1, [[['tcp'], { address: 'a' }]]],
  ['HCL unlabelled repeated', 'template { d = 1 }\ntemplate { d = 2 }', 'template', 0, [[[], { d: 1 }], [[], { d: 2 }]]],
  ['JSON unlabelled list', '{"template": [{"d": 1}, {"d": 2}]}', 'template', 0, [[[], { d: 1 }], [[], { d: 2 }]]],
  ['JSON unlabelled single', '{"template": {"d": 1}}', 'template', 0, [[[], { d: 1 }]]],
  ['absent', 'a = 1', 'template', 0, []],
  ['two labels from JSON', '{"env": {"prod": {"eu": {"n": 1}}}}', 'env', 2, [[['prod', 'eu'], { n: 1 }]]],
];

for (const [name, text, type, n, want] of blockCases) {
  test(`blocks(): ${name}`, () => {
    const got = blocks(parseHCL(text), type, n);
    assert.ok(got.every((b) => b instanceof HclBlock && b.type === type));
    assert.deepEqual(got.map((b) => [b.labels, toJSON(b.body)]), want);
  });
}

test('blocks(): line numbers from either syntax', () => {
  assert.deepEqual(blocks(parseHCL('\n\nlistener "tcp" {}'), 'listener', 1).map((b) => b.line), [3]);
  assert.deepEqual(blocks(parseHCL('{\n "listener": {\n  "tcp": {}\n }\n}'), 'listener', 1).map((b) => b.line), [3]);
});

test('blocks(): wrong label count or shape is an HclError naming the line', () => {
  assert.throws(() => blocks(parseHCL('a = 1\nlistener { }'), 'listener', 1, 'c.hcl'), /^HclError: At c\.hcl:2:1: block "listener" takes 1 label, found 0$/);
  assert.throws(() => blocks(parseHCL('template "x" { }'), 'template', 0), /block "template" takes no labels, found 1/);
  assert.throws(() => blocks(parseHCL('{"listener": {"tcp": 5}}'), 'listener', 1), /At 1:15: "tcp": expected an object, found number/);
  assert.throws(() => blocks(parseHCL('template = "x"'), 'template', 0), /"template": expected an object, found string/);
});

// Real files: a Vault server config, agent configs from the seeds and research, a policy.
test('Vault server config', () => {
  const text = `
# Coffer / Vault server
storage "raft" {
  path    = "/vault/data"
  node_id = "node1"
  retry_join {
    leader_api_addr = "https://vault-0:8200"
  }
  retry_join {
    leader_api_addr = "https://vault-1:8200"
  }
}

listener "tcp" {
  address       = "0.0.0.0:8200"
  tls_cert_file = "/etc/vault/tls.crt"
  tls_key_file  = "/etc/vault/tls.key"
  telemetry {
    unauthenticated_metrics_access = true
  }
}

seal "awskms" {
  region     = "us-east-1"
  kms_key_id = "alias/vault"
}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname          = true
}

api_addr      = "https://vault.example.com:8200"
cluster_addr  = "https://vault-0:8201"
ui            = true
disable_mlock = true
max_lease_ttl = "768h"
`;
  assert.deepEqual(decodeHCL(text), {
    storage: { raft: { path: '/vault/data', node_id: 'node1', retry_join: [{ leader_api_addr: 'https://vault-0:8200' }, { leader_api_addr: 'https://vault-1:8200' }] } },
    listener: { tcp: { address: '0.0.0.0:8200', tls_cert_file: '/etc/vault/tls.crt', tls_key_file: '/etc/vault/tls.key', telemetry: { unauthenticated_metrics_access: true } } },
    seal: { awskms: { region: 'us-east-1', kms_key_id: 'alias/vault' } },
    telemetry: { prometheus_retention_time: '30s', disable_hostname: true },
    api_addr: 'https://vault.example.com:8200',
    cluster_addr: 'https://vault-0:8201',
    ui: true,
    disable_mlock: true,
    max_lease_ttl: '768h',
  });
  const tree = parseHCL(text);
  const storage = blocks(tree, 'storage', 1);
  assert.equal(blocks(storage[0]!.body, 'retry_join', 0).length, 2);
  assert.equal(lineOf(storage[0]!.body, 'node_id')!.line, 5);
});

test('agent config from seed 001 (kubernetes auto-auth, file sink, heredoc template)', () => {
  const text = `exit_after_auth = true
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
export AWS_SECRET_ACCESS_KEY='{{ .Data.aws_secret_access_key }}'
{{ end }}
EOT
}
`;
  const tree = parseHCL(text, 'vault-agent-config.hcl');
  const [autoAuth] = blocks(tree, 'auto_auth', 0);
  const [method] = blocks(autoAuth!.body, 'method', 1);
  assert.deepEqual(method!.labels, ['kubernetes']);
  assert.deepEqual(toJSON(method!.body), { mount_path: 'auth/kube-policy', config: { role: 'my-role' } });
  const [sink] = blocks(autoAuth!.body, 'sink', 1);
  assert.deepEqual(toJSON(sink!.body), { config: { path: '/home/vault/.vault-token' } });
  const templates = blocks(tree, 'template', 0);
  assert.equal(templates.length, 1);
  assert.equal(templates[0]!.body.destination, '/etc/secrets/cloudwatch-secrets');
  assert.equal(templates[0]!.body.contents, `{{- with secret "secret/data/myapp/config" }}\nexport AWS_ACCESS_KEY_ID='{{ .Data.aws_access_key_id }}'\nexport AWS_SECRET_ACCESS_KEY='{{ .Data.aws_secret_access_key }}'\n{{ end }}\n`);
  assert.equal(tree.exit_after_auth, true);
});

test('consul-template JSON config from seed 002', () => {
  const text = '{       "template": {         "source": "/opt/consul-template/templates/cert.template",         "destination": "/opt/certs/etcd.serial",         "command": "/usr/sbin/service etcd restart"       },       "vault": {         "address": "VAULT_ADDRESS",         "token": "VAULT_TOKEN",         "renew": true       }     }';
  const tree = parseHCL(text);
  const [tpl] = blocks(tree, 'template', 0);
  assert.equal(tpl!.body.command, '/usr/sbin/service etcd restart');
  assert.equal((blocks(tree, 'vault', 0)[0]!.body as HclBody).renew, true);
});

test('agent config with approle, PKI templates, exec and template_config (research notes)', () => {
  const text = `
vault {
  address = "https://coffer:8200"
  retry { num_retries = 5 }
}
auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                   = "/etc/agent/role-id"
      secret_id_file_path                 = "/etc/agent/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
  sink "file" {
    config = { path = "/run/agent/token", mode = 0600 }
  }
}
template_config {
  exit_on_retry_failure         = true
  static_secret_render_interval = "10m"
}
template {
  contents    = "{{ with pkiCert \\"pki/issue/etcd\\" \\"common_name=etcd.local\\" }}{{ .Cert }}{{ end }}"
  destination = "/etc/etcd/cert.pem"
  perms       = "0600"
  exec { command = ["systemctl", "reload", "etcd"], timeout = "30s" }
}
template {
  source      = "/etc/agent/key.tpl"
  destination = "/etc/etcd/key.pem"
  wait { min = "2s", max = "10s" }
}
env_template "DB_PASSWORD" {
  contents = "{{ with secret \\"kv/data/db\\" }}{{ .Data.data.password }}{{ end }}"
}
exec {
  command                   = ["/app/run"]
  restart_on_secret_changes = "always"
}
`;
  const tree = parseHCL(text);
  const sink = blocks(blocks(tree, 'auto_auth')[0]!.body, 'sink', 1)[0]!;
  assert.equal((sink.body.config as HclBody).mode, 0o600);
  const templates = blocks(tree, 'template');
  assert.equal(templates.length, 2);
  assert.equal(templates[0]!.body.contents, '{{ with pkiCert "pki/issue/etcd" "common_name=etcd.local" }}{{ .Cert }}{{ end }}');
  assert.deepEqual(toJSON(blocks(templates[0]!.body, 'exec')[0]!.body), { command: ['systemctl', 'reload', 'etcd'], timeout: '30s' });
  assert.deepEqual(toJSON(blocks(templates[1]!.body, 'wait')[0]!.body), { min: '2s', max: '10s' });
  assert.deepEqual(blocks(tree, 'env_template', 1).map((b) => b.labels[0]), ['DB_PASSWORD']);
  assert.equal(lineOf(blocks(tree, 'template')[1]!.body, 'source')!.line, 30);
});

test('seed 002 policies written on one line (legacy policy = "write")', () => {
  const text = '    path "c1/pki/k8s/issue/kube-apiserver" {       policy = "write"     }     path "secret/c1/k8s/token" {       policy = "read"     }     ';
  assert.deepEqual(decodeHCL(text), { path: { 'c1/pki/k8s/issue/kube-apiserver': { policy: 'write' }, 'secret/c1/k8s/token': { policy: 'read' } } });
});
