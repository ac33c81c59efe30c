// Tests of the configuration loader: defaults, TOML, environment overrides, secret files, and errors
// that name the offending key.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadConfig, ConfigError, type LoadInput } from './load.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const REGISTRY = '[storage]\nkind = "registry"\nurl = "https://registry.internal.test"\n';

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
    const c = load(
      '[storage]\npassword_file = "/run/secrets/pw"\n',
      { TF_OCI_REGISTRY_SERVER_SECRETS_FILE: '/run/secrets/s' },
      {
        '/run/secrets/pw': 'hunter2\n',
        '/run/secrets/s': 'from-a-file-0123456789\n',
      },
    );
    assert.equal(c.storage.password, 'hunter2');
    assert.deepEqual(c.server.secrets, ['from-a-file-0123456789']);
  });

  it('names unknown sections, keys and variables', () => {
    assertConfigError(() => load('[nope]\na = 1\n'), /unknown section \[nope\]/);
    assertConfigError(() => load('[storage]\nkindd = "layout"\n'), /unknown key "storage.kindd"/);
    assertConfigError(() => load('[server.tls]\ncertt = "x"\n'), /unknown key "server.tls.certt"/);
    assertConfigError(() => load(undefined, { TF_OCI_REGISTRY_STORAGE_URLL: 'x' }), /unknown variable TF_OCI_REGISTRY_STORAGE_URLL/);
  });

  it('reads the outbound proxy from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, and names a bad one', () => {
    assert.deepEqual(load().proxy, { httpProxy: '', httpsProxy: '', noProxy: '' });
    assert.deepEqual(load(undefined, { HTTPS_PROXY: 'http://proxy.example.com:3128', no_proxy: 'registry.internal' }).proxy, {
      httpProxy: '',
      httpsProxy: 'http://proxy.example.com:3128/',
      noProxy: 'registry.internal',
    });
    assertConfigError(
      () => load(undefined, { HTTPS_PROXY: 'proxy.example.com:3128' }),
      /HTTPS_PROXY must be an http:\/\/ or https:\/\/ URL/,
    );
  });

  it('names bad values', () => {
    assertConfigError(() => load('[storage]\nkind = "s3"\n'), /"storage.kind" must be one of "layout", "registry"/);
    assertConfigError(() => load('[server]\nlisten = "8080"\n'), /"server.listen" must be host:port/);
    assertConfigError(
      () => load(undefined, { TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP: 'maybe' }),
      /TF_OCI_REGISTRY_STORAGE_PLAIN_HTTP \(storage.plain_http\) must be true or false/,
    );
    assertConfigError(() => load('[cache]\ntags_ttl = -1\n'), /"cache.tags_ttl" must be at least 0/);
    assertConfigError(() => load('[storage]\nkind = "registry"\n'), /"storage.url" is required/);
    assertConfigError(() => load('[storage]\nkind = "registry"\nurl = "http://r:5000"\n'), /must be https:\/\/ \(set storage.plain_http/);
    assertConfigError(() => load('[storage]\nkind = "registry"\nurl = "https://u:p@r"\n'), /must not contain credentials/);
    assertConfigError(() => load('[storage]\nprefix = "Bad Prefix"\n'), /"storage.prefix"/);
    assertConfigError(() => load('[server]\nsecrets = ["short"]\n'), /at least 16 characters/);
    assertConfigError(() => load('[server.tls]\ncert = "/c.pem"\n'), /must be given together/);
    assertConfigError(() => load('[mirror]\nbase_path = "/v1/"\n'), /collides/);
    assertConfigError(() => load('this is not toml'), /invalid TOML/);
    assertConfigError(() => load('[server]\nregistry_hostname = "bad host/x"\n'), /"server.registry_hostname": invalid hostname/);
    assertConfigError(() => load('[storage]\npassword_file = "/missing"\n'), /"storage.password_file": cannot read \/missing/);
  });

  it('defaults auth to delegate with a registry and to none with a layout; downloads are proxied', () => {
    const r = load(REGISTRY);
    assert.equal(r.auth.mode, 'delegate');
    assert.deepEqual(r.auth.delegate, { tokenAs: 'access_token', userPassword: true });
    assert.equal(r.server.downloadMode, 'proxy');
    assert.equal(load().auth.mode, 'none');
  });

  it('reads service-mode API tokens from [[auth.tokens]] in TOML', () => {
    const c = load(`${REGISTRY}username = "svc"\npassword = "pw"\n[auth]\nmode = "service"\nanonymous_read = true
[[auth.tokens]]
name = "ci"
sha256 = "${sha('tok-ci')}"
permissions = ["provider-versions:create", "providers:read"]
[[auth.tokens]]
name = "admin"
sha256 = "${sha('tok-admin')}"
permissions = ["*"]
`);
    assert.equal(c.auth.mode, 'service');
    assert.equal(c.auth.anonymousRead, true);
    assert.deepEqual(
      c.auth.tokens.map((t) => t.name),
      ['ci', 'admin'],
    );
    assert.deepEqual([...c.auth.tokens[0]!.permissions].sort(), ['provider-versions:create', 'providers:read']);
    assert.equal(c.storage.username, 'svc');
  });

  it('reads API tokens from the environment (JSON) and from a tokens file (TOML or JSON)', () => {
    const json = JSON.stringify([{ name: 'env', sha256: sha('t1'), permissions: ['providers:read'] }]);
    const fromEnv = load(undefined, { TF_OCI_REGISTRY_AUTH_MODE: 'service', TF_OCI_REGISTRY_AUTH_TOKENS: json });
    assert.deepEqual(
      fromEnv.auth.tokens.map((t) => t.name),
      ['env'],
    );

    const tomlFile = `[[tokens]]\nname = "file"\nsha256 = "${sha('t2')}"\npermissions = ["modules:*"]\n`;
    const fromTomlFile = load('[auth]\nmode = "service"\ntokens_file = "/etc/tokens.toml"\n', {}, { '/etc/tokens.toml': tomlFile });
    assert.deepEqual(
      fromTomlFile.auth.tokens.map((t) => [t.name, [...t.permissions].sort()]),
      [['file', ['modules:create', 'modules:delete', 'modules:read']]],
    );

    const jsonFile = JSON.stringify({ tokens: [{ name: 'j', sha256: sha('t3'), permissions: ['gpg-keys:read'] }] });
    const fromJsonFile = load(
      undefined,
      { TF_OCI_REGISTRY_AUTH_MODE: 'service', TF_OCI_REGISTRY_AUTH_TOKENS_FILE: '/t.json' },
      { '/t.json': jsonFile },
    );
    assert.deepEqual(
      fromJsonFile.auth.tokens.map((t) => t.name),
      ['j'],
    );
  });

  it('lets the environment set every auth and download key', () => {
    const c = load(REGISTRY, {
      TF_OCI_REGISTRY_AUTH_DELEGATE_TOKEN_AS: 'password',
      TF_OCI_REGISTRY_AUTH_DELEGATE_USERNAME: 'gitlab-ci-token',
      TF_OCI_REGISTRY_AUTH_DELEGATE_USERPASS: 'false',
      TF_OCI_REGISTRY_SERVER_DOWNLOAD_MODE: 'redirect',
    });
    assert.deepEqual(c.auth.delegate, { tokenAs: 'password', username: 'gitlab-ci-token', userPassword: false });
    assert.equal(c.server.downloadMode, 'redirect');
    const s = load(undefined, { TF_OCI_REGISTRY_AUTH_MODE: 'service', TF_OCI_REGISTRY_AUTH_ANONYMOUS_READ: 'yes' });
    assert.equal(s.auth.anonymousRead, true);
  });

  it('refuses auth settings that cannot work, naming the keys', () => {
    const tokens = `[[auth.tokens]]\nname = "a"\nsha256 = "${sha('a')}"\npermissions = ["*"]\n`;
    assertConfigError(() => load('[auth]\nmode = "delegate"\n'), /"delegate" needs storage.kind = "registry"/);
    assertConfigError(
      () => load(`${REGISTRY}username = "svc"\n`),
      /"storage.username"\/"storage.password" are not used with auth.mode = "delegate"/,
    );
    assertConfigError(
      () => load(`${REGISTRY}[auth]\nanonymous_read = true\n`),
      /"auth.anonymous_read" is only used with auth.mode = "service"; in delegate mode the registry decides/,
    );
    assertConfigError(() => load(`${REGISTRY}${tokens}`), /"auth.tokens" are only used with auth.mode = "service"/);
    assertConfigError(() => load('[auth]\nmode = "service"\n'), /needs API tokens/);
    assertConfigError(() => load(`${REGISTRY}[auth]\ndelegate_token_as = "password"\n`), /"auth.delegate_username" is required/);
    assertConfigError(
      () => load('[auth]\nmode = "service"\n[[auth.tokens]]\nname = "a"\nsha256 = "short"\npermissions = ["*"]\n'),
      /"auth.tokens": token "a": "sha256" must be/,
    );
    assertConfigError(() => load('[auth]\nmode = "service"\ntokens = ["x"]\n'), /"auth.tokens" must be a list of tables/);
    assertConfigError(
      () => load(undefined, { TF_OCI_REGISTRY_AUTH_MODE: 'service', TF_OCI_REGISTRY_AUTH_TOKENS: 'not json = [' }),
      /TF_OCI_REGISTRY_AUTH_TOKENS \(auth.tokens\): neither JSON nor TOML/,
    );
    assertConfigError(() => load('[auth]\nmode = "open"\n'), /"auth.mode" must be one of "delegate", "service", "none"/);
    assertConfigError(() => load('[server]\ndownload_mode = "s3"\n'), /"server.download_mode" must be one of "proxy", "redirect"/);
  });

  it("ignores the publish command's TF_OCI_REGISTRY_URL and TF_OCI_REGISTRY_TOKEN (a shell may export them for both)", () => {
    assert.equal(load('', { TF_OCI_REGISTRY_URL: 'https://r.example.com', TF_OCI_REGISTRY_TOKEN: 't' }).usage.enabled, true);
    assertConfigError(() => load('', { TF_OCI_REGISTRY_URLS: 'x' }), /unknown variable TF_OCI_REGISTRY_URLS/);
  });

  it('[metrics]: off by default; listen parsed as host:port and refused without enabled', () => {
    assert.deepEqual(load().metrics, { enabled: false });
    assert.deepEqual(load('[metrics]\nenabled = true\nlisten = "127.0.0.1:9464"\n').metrics, {
      enabled: true,
      listen: { host: '127.0.0.1', port: 9464 },
    });
    assert.equal(load('', { TF_OCI_REGISTRY_METRICS_ENABLED: 'true' }).metrics.enabled, true);
    assertConfigError(() => load('[metrics]\nlisten = "127.0.0.1:9464"\n'), /"metrics.listen" is set but metrics.enabled is false/);
    assertConfigError(() => load('[metrics]\nenabled = true\nlisten = "9464"\n'), /"metrics.listen" must be host:port/);
  });

  it('resolves relative paths written in the file against the file directory, not the working directory', () => {
    const read: string[] = [];
    const config = loadConfig({
      fileText:
        '[server]\nsecrets_file = "secrets.txt"\n[server.tls]\ncert = "tls/c.pem"\nkey = "/abs/k.pem"\n[storage]\npath = "./data"\n',
      fileName: 'etc/reg.toml',
      baseDir: '/srv/reg',
      env: {},
      readFile: (p) => {
        read.push(p);
        return 'a-secret-of-sufficient-length-0123456789';
      },
      randomSecret: () => 'generated-secret-0123456789',
    });
    assert.equal(config.storage.path, '/srv/reg/data');
    assert.equal(config.server.tls.cert, '/srv/reg/tls/c.pem');
    assert.equal(config.server.tls.key, '/abs/k.pem');
    assert.deepEqual(read, ['/srv/reg/secrets.txt']);
    // From the environment: relative to the working directory, as given.
    const fromEnv = loadConfig({
      fileText: '[storage]\npath = "./data"\n',
      baseDir: '/srv/reg',
      env: { TF_OCI_REGISTRY_STORAGE_PATH: './elsewhere' },
      readFile: () => '',
      randomSecret: () => 'generated-secret-0123456789',
    });
    assert.equal(fromEnv.storage.path, './elsewhere');
  });
});
