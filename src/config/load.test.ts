// Tests of the configuration loader: defaults, TOML, environment overrides, secret files, and errors
// that name the offending key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError, type LoadInput } from './load.js';

function load(fileText?: string, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  const input: LoadInput = {
    env,
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error('ENOENT: no such file');
      return f;
    },
    randomSecret: () => 'generated-secret-0123456789',
    ...(fileText !== undefined ? { fileText, fileName: 'test.toml' } : {}),
  };
  return loadConfig(input);
}

function assertConfigError(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('loadConfig', () => {
  it('has working defaults: layout store in ./data on 127.0.0.1:8080 with a generated secret', () => {
    const c = load();
    assert.equal(c.storage.kind, 'layout');
    assert.equal(c.storage.path, './data');
    assert.deepEqual(c.server.listen, { host: '127.0.0.1', port: 8080 });
    assert.equal(c.server.publicUrl.href, 'http://127.0.0.1:8080/');
    assert.equal(c.server.secretsGenerated, true);
    assert.deepEqual(c.server.secrets, ['generated-secret-0123456789']);
    assert.equal(c.mirror.basePath, '/mirror/');
  });

  it('reads every documented key from TOML', () => {
    const c = load(`
[server]
listen = "0.0.0.0:8443"
public_url = "https://registry.example.test"
secrets = ["first-secret-0123456789", "older-secret-0123456789"]
[server.tls]
cert = "/c.pem"
key = "/k.pem"
[storage]
kind = "registry"
url = "http://127.0.0.1:5000/"
prefix = "/tf/"
plain_http = true
[mirror]
base_path = "providers-mirror"
`);
    assert.deepEqual(c.server.listen, { host: '0.0.0.0', port: 8443 });
    assert.equal(c.server.publicUrl.href, 'https://registry.example.test/');
    assert.deepEqual(c.server.secrets, ['first-secret-0123456789', 'older-secret-0123456789']);
    assert.equal(c.server.secretsGenerated, false);
    assert.deepEqual(c.server.tls, { cert: '/c.pem', key: '/k.pem', selfSigned: false });
    assert.equal(c.storage.url, 'http://127.0.0.1:5000');
    assert.equal(c.storage.prefix, 'tf');
    assert.equal(c.mirror.basePath, '/providers-mirror/');
  });

  it('lets environment variables override every key, with one naming rule', () => {
    const c = load('[storage]\nkind = "layout"\n', {
      TF_OCI_REGISTRY_STORAGE_KIND: 'registry',
      TF_OCI_REGISTRY_STORAGE_URL: 'https://ghcr.io',
      TF_OCI_REGISTRY_SERVER_SECRETS: 'aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb',
      TF_OCI_REGISTRY_SERVER_TLS_SELF_SIGNED: 'true',
      TF_OCI_REGISTRY_CACHE_TAGS_TTL: '0',
    });
    assert.equal(c.storage.kind, 'registry');
    assert.equal(c.storage.url, 'https://ghcr.io');
    assert.deepEqual(c.server.secrets, ['aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb']);
    assert.equal(c.server.tls.selfSigned, true);
    assert.equal(c.server.publicUrl.protocol, 'https:');
    assert.equal(c.cache.tagsTtl, 0);
  });

  it('reads secrets from files (<key>_file), in TOML and in the environment', () => {
    const c = load('[storage]\npassword_file = "/run/secrets/pw"\n', { TF_OCI_REGISTRY_SERVER_SECRETS_FILE: '/run/secrets/s' }, {
      '/run/secrets/pw': 'hunter2\n',
      '/run/secrets/s': 'from-a-file-0123456789\n',
    });
    assert.equal(c.storage.password, 'hunter2');
    assert.deepEqual(c.server.secrets, ['from-a-file-0123456789']);
  });

  it('names unknown sections, keys and variables', () => {
    assertConfigError(() => load('[nope]\na = 1\n'), /unknown section \[nope\]/);
    assertConfigError(() => load('[storage]\nkindd = "layout"\n'), /unknown key "storage.kindd"/);
    assertConfigError(() => load('[server.tls]\ncertt = "x"\n'), /unknown key "server.tls.certt"/);
    assertConfigError(() => load(undefined, { TF_OCI_REGISTRY_STORAGE_URLL: 'x' }), /unknown variable TF_OCI_REGISTRY_STORAGE_URLL/);
  });

  it('names bad values', () => {
    assertConfigError(() => load('[storage]\nkind = "s3"\n'), /"storage.kind" must be one of "layout", "registry"/);
    assertConfigError(() => load('[server]\nlisten = "8080"\n'), /"server.listen" must be host:port/);
    assertConfigError(() => load(undefined, { TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'maybe' }), /TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP \(storage.plain_http\) must be true or false/);
    assertConfigError(() => load('[cache]\ntags_ttl = -1\n'), /"cache.tags_ttl" must be at least 0/);
    assertConfigError(() => load('[storage]\nkind = "registry"\n'), /"storage.url" is required/);
    assertConfigError(() => load('[storage]\nkind = "registry"\nurl = "http://r:5000"\n'), /must be https:\/\/ \(set storage.plain_http/);
    assertConfigError(() => load('[storage]\nkind = "registry"\nurl = "https://u:p@r"\n'), /must not contain credentials/);
    assertConfigError(() => load('[storage]\nprefix = "Bad Prefix"\n'), /"storage.prefix"/);
    assertConfigError(() => load('[server]\nsecrets = ["short"]\n'), /at least 16 characters/);
    assertConfigError(() => load('[server.tls]\ncert = "/c.pem"\n'), /must be given together/);
    assertConfigError(() => load('[mirror]\nbase_path = "/v1/"\n'), /collides/);
    assertConfigError(() => load('this is not toml'), /invalid TOML/);
    assertConfigError(() => load('[storage]\npassword_file = "/missing"\n'), /"storage.password_file": cannot read \/missing/);
  });
});
