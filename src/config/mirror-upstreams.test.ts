// [[mirror.upstream]] from TOML and from the environment: defaults, normalization, and every refusal
// naming the entry and the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load.js';

function load(fileText: string, env: Record<string, string> = {}) {
  return loadConfig({ fileText, fileName: 'test.toml', env, readFile: () => '', randomSecret: () => 'random-secret-0123456789' });
}

function refused(fileText: string, pattern: RegExp, env: Record<string, string> = {}): void {
  assert.throws(
    () => load(fileText, env),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
  );
}

const KEY = '-----BEGIN PGP PUBLIC KEY BLOCK-----\nxx\n-----END PGP PUBLIC KEY BLOCK-----';

describe('[[mirror.upstream]]', () => {
  it('defaults the url to https://<hostname>/ and normalizes the hostname', () => {
    const c = load('[[mirror.upstream]]\nhostname = "Registry.Terraform.IO"\n');
    assert.equal(c.mirror.upstreams.length, 1);
    assert.equal(c.mirror.upstreams[0]!.hostname, 'registry.terraform.io');
    assert.equal(c.mirror.upstreams[0]!.url.href, 'https://registry.terraform.io/');
    assert.deepEqual(c.mirror.upstreams[0]!.signingKeys, []);
    assert.equal(c.mirror.upstreamTtl, 300);
  });

  it('takes url and pinned signing_keys, and the same list as JSON in the environment', () => {
    const c = load(
      `[[mirror.upstream]]\nhostname = "tf.example.com:8443"\nurl = "https://discovery.example.com/tf"\nsigning_keys = ["""${KEY}"""]\n`,
    );
    assert.equal(c.mirror.upstreams[0]!.hostname, 'tf.example.com:8443');
    assert.equal(c.mirror.upstreams[0]!.url.href, 'https://discovery.example.com/tf/');
    assert.equal(c.mirror.upstreams[0]!.signingKeys.length, 1);
    const e = load('', {
      TF_OCI_REGISTRY_MIRROR_UPSTREAM: '[{"hostname":"registry.opentofu.org"},{"hostname":"local.example","url":"http://localhost:9000/"}]',
    });
    assert.deepEqual(
      e.mirror.upstreams.map((u) => [u.hostname, u.url.href]),
      [
        ['registry.opentofu.org', 'https://registry.opentofu.org/'],
        ['local.example', 'http://localhost:9000/'],
      ],
    );
  });

  it('refuses bad entries, naming what is wrong', () => {
    refused('[[mirror.upstream]]\nurl = "https://x.example/"\n', /entry #1: "hostname" is required/);
    refused('[[mirror.upstream]]\nhostname = "a b"\n', /entry #1: "hostname"/);
    refused('[[mirror.upstream]]\nhostname = "x.example"\nuri = "https://x.example/"\n', /unknown key "uri"/);
    refused(
      '[[mirror.upstream]]\nhostname = "x.example"\nurl = "http://x.example/"\n',
      /"url" must be https:\/\/ \(http:\/\/ only on localhost\)/,
    );
    refused('[[mirror.upstream]]\nhostname = "x.example"\nurl = "https://u:p@x.example/"\n', /no credentials/);
    refused('[[mirror.upstream]]\nhostname = "x.example"\nsigning_keys = ["not a key"]\n', /ASCII-armored public keys/);
    refused('[[mirror.upstream]]\nhostname = "x.example"\n[[mirror.upstream]]\nhostname = "X.example"\n', /x\.example is configured twice/);
    refused('', /mirror\.upstream.*neither JSON nor TOML/, { TF_OCI_REGISTRY_MIRROR_UPSTREAM: '[{' });
  });

  it('in delegate mode needs mirror.username/password to write, and refuses them in other modes', () => {
    const registry = '[storage]\nkind = "registry"\nurl = "https://oci.example.com"\n';
    refused(
      `${registry}[[mirror.upstream]]\nhostname = "registry.terraform.io"\n`,
      /delegate mode needs "mirror\.username" and "mirror\.password"/,
    );
    const ok = load(`${registry}[mirror]\nusername = "writer"\npassword = "pw"\n[[mirror.upstream]]\nhostname = "registry.terraform.io"\n`);
    assert.equal(ok.mirror.username, 'writer');
    refused('[mirror]\nusername = "writer"\n', /must be given together/);
    refused('[mirror]\nusername = "writer"\npassword = "pw"\n', /only used in delegate mode/);
  });
});
