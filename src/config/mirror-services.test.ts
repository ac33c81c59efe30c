// [[mirror.service]] from TOML and from the environment: defaults, nested upstreams, the credential's two
// roles (store credential, or pull-through writer in delegate mode), and every refusal naming the key.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './load.js';

function load(fileText: string, env: Record<string, string> = {}, files: Record<string, string> = {}) {
  return loadConfig({
    fileText,
    fileName: 'test.toml',
    env,
    readFile: (p) => {
      const f = files[p];
      if (f === undefined) throw new Error(`ENOENT: ${p}`);
      return f;
    },
    randomSecret: () => 'random-secret-0123456789',
  });
}

function refused(fileText: string, pattern: RegExp, env: Record<string, string> = {}): void {
  assert.throws(
    () => load(fileText, env),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message),
    `expected ${pattern}`,
  );
}

const REGISTRY = '[storage]\nkind = "registry"\nurl = "https://registry.example.com"\n';

describe('[[mirror.service]]', () => {
  it('reads a layout service and a registry service with nested upstreams; defaults come from [server] and [mirror]', () => {
    const c = load(`[server]\ndownload_mode = "redirect"\n[mirror]\nupstream_ttl = 60
[[mirror.service]]\nname = "team-a"\nbase_path = "mirrors/team-a"\npath = "./a-data"
[[mirror.service]]\nname = "team-b"\nbase_path = "/mirrors/team-b/"\nurl = "https://ghcr.io/"\nprefix = "/org/tf/"\nusername = "bot"\npassword = "pw"\ndownload_mode = "direct"\nupstream_ttl = 5
[[mirror.service.upstream]]\nhostname = "registry.terraform.io"
[[mirror.service.upstream]]\nhostname = "registry.opentofu.org"\n`);
    const [a, b] = c.mirror.services;
    assert.equal(a!.name, 'team-a');
    assert.equal(a!.basePath, '/mirrors/team-a/');
    assert.deepEqual(a!.storage, { kind: 'layout', prefix: '', path: './a-data', plainHttp: false });
    assert.equal(a!.downloadMode, 'redirect');
    assert.equal(a!.upstreamTtl, 60);
    assert.deepEqual(a!.upstreams, []);
    assert.equal(b!.storage.kind, 'registry');
    assert.equal(b!.storage.url, 'https://ghcr.io');
    assert.equal(b!.storage.prefix, 'org/tf');
    assert.equal(b!.storage.username, 'bot');
    assert.equal(b!.writer, undefined);
    assert.equal(b!.downloadMode, 'direct');
    assert.equal(b!.upstreamTtl, 5);
    assert.deepEqual(
      b!.upstreams.map((u) => u.hostname),
      ['registry.terraform.io', 'registry.opentofu.org'],
    );
    assert.deepEqual(load('').mirror.services, []);
  });

  it('takes the same list as JSON in the environment or from mirror.service_file (it may hold passwords)', () => {
    const json = '[{"name":"x","base_path":"/x/","path":"/tmp/x","upstream":[{"hostname":"registry.terraform.io"}]}]';
    const e = load('', { TF_OCI_REGISTRY_MIRROR_SERVICE: json });
    assert.equal(e.mirror.services[0]!.upstreams[0]!.hostname, 'registry.terraform.io');
    const f = load('[mirror]\nservice_file = "/run/secrets/services"\n', {}, { '/run/secrets/services': json });
    assert.equal(f.mirror.services[0]!.basePath, '/x/');
  });

  it('in delegate mode username/password are the pull-through writer, not a store credential', () => {
    const c =
      load(`${REGISTRY}[[mirror.service]]\nname = "d"\nbase_path = "/d/"\nurl = "https://other.example.com"\nusername = "writer"\npassword = "pw"
[[mirror.service.upstream]]\nhostname = "registry.terraform.io"\n`);
    const s = c.mirror.services[0]!;
    assert.equal(c.auth.mode, 'delegate');
    assert.equal(s.storage.username, undefined);
    assert.deepEqual(s.writer, { username: 'writer', password: 'pw' });
    refused(
      `${REGISTRY}[[mirror.service]]\nname = "d"\nbase_path = "/d/"\nurl = "https://o.example.com"\n[[mirror.service.upstream]]\nhostname = "registry.terraform.io"\n`,
      /mirror\.service" d: pull-through in delegate mode needs "username" and "password"/,
    );
    refused(`${REGISTRY}[[mirror.service]]\nname = "d"\nbase_path = "/d/"\npath = "./d"\n`, /delegate.*needs a registry store/);
    refused(
      `${REGISTRY}[[mirror.service]]\nname = "d"\nbase_path = "/d/"\nurl = "https://o.example.com"\ndownload_mode = "direct"\n`,
      /"direct" cannot be used with auth\.mode = "delegate"/,
    );
  });

  it('refuses bad entries, naming the service and the key', () => {
    const svc = (body: string) => `[[mirror.service]]\n${body}\n`;
    refused(svc('base_path = "/a/"\npath = "./a"'), /entry #1: "name" is required/);
    refused(svc('name = "Team A"\nbase_path = "/a/"\npath = "./a"'), /"name" is required: lowercase/);
    refused(svc('name = "a"\npath = "./a"'), /"mirror.service" a: "base_path" is required/);
    refused(svc('name = "a"\nbase_path = "/a/"'), /give exactly one store: "url" \(a registry\) or "path"/);
    refused(svc('name = "a"\nbase_path = "/a/"\npath = "./a"\nurl = "https://r.example.com"'), /exactly one store/);
    refused(svc('name = "a"\nbase_path = "/a/"\npath = "./a"\ncolour = "red"'), /unknown key "colour"/);
    refused(svc('name = "a"\nbase_path = "/mirror/a/"\npath = "./a"'), /"base_path" \/mirror\/a\/ overlaps the mirror at \/mirror\//);
    refused(svc('name = "a"\nbase_path = "/v1/x/"\npath = "./a"'), /collides with the registry's own path \/v1\//);
    refused(svc('name = "a"\nbase_path = "/download/x/"\npath = "./a"'), /collides with the registry's own path \/download\//);
    refused(svc('name = "a"\nbase_path = "/a b/"\npath = "./a"'), /must be slash-separated path segments/);
    refused(
      `${svc('name = "a"\nbase_path = "/m/a/"\npath = "./a"')}${svc('name = "b"\nbase_path = "/m/"\npath = "./b"')}`,
      /"mirror.service" b: "base_path" \/m\/ overlaps the mirror at \/m\/a\//,
    );
    refused(
      `${svc('name = "a"\nbase_path = "/a/"\npath = "./a"')}${svc('name = "a"\nbase_path = "/b/"\npath = "./b"')}`,
      /a is configured twice/,
    );
    refused(
      svc('name = "a"\nbase_path = "/a/"\nurl = "http://r.example.com"'),
      /"mirror.service a: url" must be https:\/\/ \(set mirror.service a: plain_http = true/,
    );
    refused(svc('name = "a"\nbase_path = "/a/"\nurl = "https://u:p@r.example.com"'), /must not contain credentials/);
    refused(
      svc('name = "a"\nbase_path = "/a/"\npath = "./a"\nprefix = "Bad Prefix"'),
      /prefix": "Bad Prefix" is not a valid OCI repository path/,
    );
    refused(
      svc('name = "a"\nbase_path = "/a/"\npath = "./a"\ndownload_mode = "s3"'),
      /"download_mode" must be one of "proxy", "redirect", "direct"/,
    );
    refused(svc('name = "a"\nbase_path = "/a/"\npath = "./a"\ndownload_mode = "direct"'), /"direct" needs a registry store/);
    refused(svc('name = "a"\nbase_path = "/a/"\npath = "./a"\nusername = "u"'), /"username" and "password" must be given together/);
    refused(svc('name = "a"\nbase_path = "/a/"\npath = "./a"\nupstream_ttl = -1'), /"upstream_ttl" must be an integer from 0 to 86400/);
    refused(svc('name = "a"\nbase_path = "/a/"\npath = "./a"\nplain_http = "yes"'), /"plain_http" must be a boolean/);
    refused(
      `${svc('name = "a"\nbase_path = "/a/"\npath = "./a"')}[[mirror.service.upstream]]\nurl = "https://x.example.com/"\n`,
      /"mirror.service a: upstream" entry #1: "hostname" is required/,
    );
    refused('', /must be a list of tables/, { TF_OCI_REGISTRY_MIRROR_SERVICE: '{"name":"a"}' });
  });

  it('server.download_mode = "direct" needs a registry store outside delegate mode', () => {
    refused('[server]\ndownload_mode = "direct"\n', /"server.download_mode" = "direct" needs a registry store/);
    refused(`${REGISTRY}[server]\ndownload_mode = "direct"\n`, /cannot be used with auth\.mode = "delegate"/);
    const c = load(`${REGISTRY}[server]\ndownload_mode = "direct"\n[auth]\nmode = "none"\n`);
    assert.equal(c.server.downloadMode, 'direct');
  });
});
