// `tf-oci-registry publish` as users run it (a child process) against the real server (the one wiring,
// service-mode API tokens) served over HTTP on loopback, with releases signed by the real `gpg`: a
// GoReleaser-like dist/ directory with its other outputs, a re-run (no-op), other bytes for the same
// version (conflict), a bad signature (the server's named error) and its retry, drafts, missing URL and
// token, --help, modules (a directory, an archive, re-runs, conflicts). The release examples of
// docs/publishing.md run with the real GoReleaser in test/cli/goreleaser.test.ts.
import { runCli } from '../support/cli.js';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { hashToken } from '../../src/auth/api-tokens.js';
import { createMemoryStore } from '../../src/oci/memory-store.js';
import { buildAuthApp, type AuthTestApp } from '../auth/support.js';
import { LINUX_AND_MAC, buildRelease, tarGz, type BuiltRelease } from '../publish/release-fixture.js';
import { freePort, requireTool } from '../support/distribution.js';
import { startConnectProxy } from '../support/connect-proxy.js';
import { createGpgHome, gpgSkip, type GpgHome, type TestKey } from '../support/gpg.js';

const HOST = 'registry.example.test';
const TOKEN = 'publish-test-token-0123456789';
/** The CI token of docs/auth.md: may read providers and create versions, nothing else. */
const CI_TOKEN = 'publish-test-ci-token-0123456789';
const tools = requireTool('zip');

/** Writes `release` into `dir` like GoReleaser's dist/: the release files plus its other outputs. */
async function writeDist(dir: string, release: BuiltRelease): Promise<void> {
  await mkdir(join(dir, 'widget_linux_amd64_v1'), { recursive: true });
  for (const [name, bytes] of release.files) await writeFile(join(dir, name), bytes);
  await writeFile(join(dir, 'artifacts.json'), '[]\n');
  await writeFile(join(dir, 'metadata.json'), '{"project_name":"terraform-provider-widget"}\n');
  await writeFile(join(dir, 'config.yaml'), 'version: 2\n');
  await writeFile(join(dir, 'checksums.txt'), 'not ours\n');
  await writeFile(join(dir, 'widget_linux_amd64_v1', 'terraform-provider-widget_v1.0.0'), 'binary\n');
}

describe('tf-oci-registry publish (command line)', { ...tools, skip: tools.skip || gpgSkip }, () => {
  let server: Server;
  let app: AuthTestApp;
  let url: string;
  let dir: string;
  let gpg: GpgHome;
  let key: TestKey;
  let otherKey: TestKey;
  let keyFile: string;
  const env = () => ({ TF_OCI_REGISTRY_URL: url, TF_OCI_REGISTRY_TOKEN: TOKEN });

  const release = (version: string, opts: { signer?: TestKey; extra?: string } = {}) =>
    buildRelease({
      type: 'widget',
      version,
      platforms: LINUX_AND_MAC,
      protocols: ['6.0'],
      sign: (data) => gpg.detachSign(opts.signer ?? key, data),
      ...(opts.extra ? { zipExtras: { 'NOTES.txt': opts.extra } } : {}),
    });

  /** A fresh dist directory holding `r`. */
  async function dist(name: string, r: BuiltRelease): Promise<string> {
    const d = join(dir, name);
    await writeDist(d, r);
    return d;
  }

  /** The versions providers.v1 lists for acme/widget. */
  async function listed(): Promise<string[]> {
    const res = await app.app.request('/v1/providers/acme/widget/versions', { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status === 404) return [];
    const body = (await res.json()) as { versions: Array<{ version: string }> };
    return body.versions.map((v) => v.version).sort();
  }

  before(async () => {
    gpg = await createGpgHome();
    key = await gpg.generateKey('ed25519', 'publisher@example.test');
    otherKey = await gpg.generateKey('ed25519', 'someone-else@example.test');
    dir = await mkdtemp(join(tmpdir(), 'tfoci-publish-cli-'));
    keyFile = join(dir, 'key.asc');
    await writeFile(keyFile, await gpg.exportPublicKey(key));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    app = buildAuthApp(
      createMemoryStore(),
      `[server]\npublic_url = "${url}/"\nregistry_hostname = "${HOST}"\nsecrets = ["publish-cli-secret-0123456789abcdef"]\n` +
        `[auth]\nmode = "service"\n[[auth.tokens]]\nname = "release"\nsha256 = "${hashToken(TOKEN)}"\n` +
        'permissions = ["providers:*", "provider-versions:*", "gpg-keys:*", "modules:*"]\n' +
        `[[auth.tokens]]\nname = "ci-release"\nsha256 = "${hashToken(CI_TOKEN)}"\npermissions = ["providers:read", "provider-versions:create"]\n`,
    );
    server = createServer(app.nodeFront(getRequestListener(app.app.fetch)));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await gpg?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publish --help describes the command', async () => {
    const r = await runCli(['publish', '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Usage: tf-oci-registry publish \[options\] \[dir\]/);
    assert.match(r.stdout, /--namespace <namespace>/);
    assert.match(r.stdout, /TF_OCI_REGISTRY_URL/);
    assert.match(r.stdout, /TF_OCI_REGISTRY_TOKEN/);
  });

  it('without a server URL: a usage error naming --url and TF_OCI_REGISTRY_URL, exit 2', async () => {
    const r = await runCli(['publish', dir, '--namespace', 'acme']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no server URL: pass --url URL or set TF_OCI_REGISTRY_URL/);
  });

  it('without --namespace: commander names the option, exit 2', async () => {
    const r = await runCli(['publish', dir], env());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /required option '--namespace <namespace>' not specified/);
  });

  it('without a token against a server that wants one: the 401 and what to set, exit 2', async () => {
    const d = await dist('no-token', await release('0.9.0'));
    const r = await runCli(['publish', d, '--namespace', 'acme', '--key', keyFile], { TF_OCI_REGISTRY_URL: url });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /HTTP 401/);
    assert.match(r.stderr, /401 UNAUTHORIZED/);
    assert.match(r.stderr, /pass --token TOKEN or set TF_OCI_REGISTRY_TOKEN/);
    assert.deepEqual(await listed(), []);
  });

  let first: string;
  it('publishes a GoReleaser dist/ directory (other outputs ignored) and prints what terraform needs', async () => {
    first = await dist('dist-1.0.0', await release('1.0.0'));
    const r = await runCli(['publish', first, '--namespace', 'acme', '--key', keyFile], env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /ignored \(not release files\): artifacts\.json, checksums\.txt, config\.yaml, metadata\.json, widget_linux_amd64_v1\//,
    );
    assert.match(r.stderr, /registered GPG key gpg-acme\.[0-9a-f]{40}/);
    assert.match(r.stderr, /registered provider prv-acme\.widget/);
    assert.match(r.stderr, /created version ver-acme\.widget\.1\.0\.0/);
    // Not a terminal: one plain line per file sent, no progress bar.
    assert.match(r.stderr, /publish: sent terraform-provider-widget_1\.0\.0_linux_amd64\.zip/);
    assert.match(r.stdout, /^Published acme\/widget 1\.0\.0 \(ver-acme\.widget\.1\.0\.0\)/);
    assert.match(r.stdout, /platforms: darwin_arm64, linux_amd64/);
    assert.match(r.stdout, /protocols: 6\.0/);
    assert.match(r.stdout, new RegExp(`source  = "${HOST.replaceAll('.', '\\.')}/acme/widget"`));
    assert.match(r.stdout, /version = "1\.0\.0"/);
    assert.deepEqual(await listed(), ['1.0.0']);
  });

  it('running it again with the same files is a no-op success', async () => {
    const r = await runCli(['publish', first, '--namespace', 'acme', '--key', keyFile], env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Already published with the same files, nothing to do: acme\/widget 1\.0\.0/);
    assert.doesNotMatch(r.stderr, /uploading/);
    assert.match(r.stdout, /source {2}= "registry\.example\.test\/acme\/widget"/);
  });

  it('other bytes for a published version: a conflict naming the files, exit 1, nothing changed', async () => {
    const changed = await dist('dist-1.0.0-changed', await release('1.0.0', { extra: 'rebuilt\n' }));
    const before = await app.app.request('/api/v1/provider-versions/ver-acme.widget.1.0.0', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const r = await runCli(['publish', changed, '--namespace', 'acme', '--key', keyFile], env());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: conflict: acme\/widget 1\.0\.0 is already published with other files/);
    assert.match(r.stderr, /terraform-provider-widget_1\.0\.0_linux_amd64\.zip: published sha256 [0-9a-f]{64}, local file [0-9a-f]{64}/);
    assert.match(r.stderr, /terraform-provider-widget_1\.0\.0_SHA256SUMS: differs from the published one/);
    const now = await app.app.request('/api/v1/provider-versions/ver-acme.widget.1.0.0', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual(await now.json(), await before.json());
  });

  it('a bad signature: the server refuses with its named error, exit 1; signed right, a re-run publishes', async () => {
    const bad = await dist('dist-2.0.0-bad', await release('2.0.0', { signer: otherKey }));
    const r = await runCli(['publish', bad, '--namespace', 'acme', '--key', keyFile], env());
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /error: PUT \/api\/v1\/uploads\/<upload URL> was refused with HTTP 422:/);
    assert.match(
      r.stderr,
      /422 UNPROCESSABLE_ARTIFACT Unprocessable Entity: terraform-provider-widget_2\.0\.0_SHA256SUMS\.sig: not signed by the version's GPG key/,
    );
    assert.match(r.stderr, /\(signature check\)/);
    assert.doesNotMatch(r.stdout, /Published/);
    assert.deepEqual(await listed(), ['1.0.0']);

    // The version stays `errored`; the same command with a good signature resumes it (a fresh upload URL).
    const good = await dist('dist-2.0.0', await release('2.0.0'));
    const again = await runCli(['publish', good, '--namespace', 'acme', '--key', keyFile], env());
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stderr, /resuming ver-acme\.widget\.2\.0\.0 \(was errored\)/);
    assert.match(again.stdout, /^Published acme\/widget 2\.0\.0/);
    assert.deepEqual(await listed(), ['1.0.0', '2.0.0']);
  });

  it('a later release with the CI token of docs/auth.md (providers:read, provider-versions:create) publishes', async () => {
    const d = await dist('dist-2.0.1', await release('2.0.1'));
    const r = await runCli(['publish', d, '--namespace', 'acme', '--key', keyFile], {
      TF_OCI_REGISTRY_URL: url,
      TF_OCI_REGISTRY_TOKEN: CI_TOKEN,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Published acme\/widget 2\.0\.1/);
    assert.deepEqual(await listed(), ['1.0.0', '2.0.0', '2.0.1']);
  });

  it('--draft uploads the files without publishing; --finish publishes them (the key found without --key)', async () => {
    const d = await dist('dist-2.1.0', await release('2.1.0'));
    const draft = await runCli(['publish', d, '--namespace', 'acme', '--draft'], env());
    assert.equal(draft.code, 0, draft.stdout + draft.stderr);
    assert.match(
      draft.stdout,
      /Uploaded the draft acme\/widget 2\.1\.0 \(ver-acme\.widget\.2\.1\.0\); nothing is visible to terraform yet/,
    );
    assert.match(draft.stdout, new RegExp(`tf-oci-registry publish ${d.replaceAll('/', '\\/')} --namespace acme --finish`));
    assert.deepEqual(await listed(), ['1.0.0', '2.0.0', '2.0.1']);
    const files = await app.app.request('/api/v1/provider-versions/ver-acme.widget.2.1.0/files', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(((await files.json()) as { data: unknown[] }).data.length, 5);

    const finish = await runCli(['publish', d, '--namespace', 'acme', '--finish'], env());
    assert.equal(finish.code, 0, finish.stdout + finish.stderr);
    assert.match(finish.stdout, /^Published acme\/widget 2\.1\.0/);
    assert.deepEqual(await listed(), ['1.0.0', '2.0.0', '2.0.1', '2.1.0']);
    const twice = await runCli(['publish', d, '--namespace', 'acme', '--finish'], env());
    assert.equal(twice.code, 0, twice.stdout + twice.stderr);
    assert.match(twice.stdout, /Already published with the same files/);
  });

  it('a directory without a release: a usage error saying what a release is, exit 2', async () => {
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'artifacts.json'), '[]');
    const r = await runCli(['publish', empty, '--namespace', 'acme'], env());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /no terraform-provider-<type>_<version>_SHA256SUMS found/);
  });

  /** The versions modules.v1 lists for acme/vpc/aws. */
  async function moduleVersions(): Promise<string[]> {
    const res = await app.app.request('/v1/modules/acme/vpc/aws/versions', { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status === 404) return [];
    const body = (await res.json()) as { modules: Array<{ versions: Array<{ version: string }> }> };
    return (body.modules[0]?.versions ?? []).map((v) => v.version).sort();
  }

  const MODULE_FILES: Record<string, string> = {
    'main.tf': 'resource "null_resource" "x" {}\n',
    'variables.tf': 'variable "cidr" {\n  type = string\n}\n',
    'README.md': '# vpc\n',
    'modules/subnet/main.tf': 'variable "id" {}\n',
  };

  it('--module publishes a module directory (.terraform left out) and prints the module block; a re-run is a no-op', async () => {
    const mod = join(dir, 'vpc');
    for (const [name, text] of Object.entries(MODULE_FILES)) {
      await mkdir(join(mod, name, '..'), { recursive: true });
      await writeFile(join(mod, name), text);
    }
    await mkdir(join(mod, '.terraform', 'providers'), { recursive: true });
    await writeFile(join(mod, '.terraform', 'providers', 'junk'), 'x');
    const r = await runCli(['publish', mod, '--namespace', 'acme', '--module', 'vpc/aws', '--version', '1.2.0'], env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /found the module directory .*: 4 files, \d+ bytes \(left out: \.terraform\/\)/);
    assert.match(r.stderr, /registered module mod-acme\.vpc\.aws/);
    assert.match(r.stdout, /^Published registry\.example\.test\/acme\/vpc\/aws 1\.2\.0 \(mod-acme\.vpc\.aws\)/);
    assert.match(r.stdout, /module "vpc" \{\n {2}source {2}= "registry\.example\.test\/acme\/vpc\/aws"\n {2}version = "1\.2\.0"\n\}/);
    assert.deepEqual(await moduleVersions(), ['1.2.0']);

    const again = await runCli(['publish', mod, '--namespace', 'acme', '--module', 'vpc/aws', '--version', '1.2.0'], env());
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /Already published with the same files and sizes, nothing to do/);

    await writeFile(join(mod, 'outputs.tf'), 'output "id" { value = 1 }\n');
    const changed = await runCli(['publish', mod, '--namespace', 'acme', '--module', 'vpc/aws', '--version', '1.2.0'], env());
    assert.equal(changed.code, 1, changed.stdout + changed.stderr);
    assert.match(
      changed.stderr,
      /error: conflict: module registry\.example\.test\/acme\/vpc\/aws 1\.2\.0 is already published \(4 files, \d+ bytes\); .* holds 5 files/,
    );
  });

  it("--module publishes a .tar.gz as is; an archive without .tf files is refused with the server's named error", async () => {
    const archive = join(dir, 'vpc-1.3.0.tar.gz');
    await writeFile(archive, await tarGz(Object.entries(MODULE_FILES).map(([name, content]) => ({ name, content }))));
    const r = await runCli(['publish', archive, '--namespace', 'acme', '--module', 'vpc/aws', '--version', '1.3.0'], env());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^Published registry\.example\.test\/acme\/vpc\/aws 1\.3\.0/);
    assert.deepEqual(await moduleVersions(), ['1.2.0', '1.3.0']);

    const bad = join(dir, 'docs-only.tar.gz');
    await writeFile(bad, await tarGz([{ name: 'README.md', content: '# nothing\n' }]));
    const refused = await runCli(['publish', bad, '--namespace', 'acme', '--module', 'vpc/aws', '--version', '1.4.0'], env());
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /error: PUT \/api\/v1\/modules\/mod-acme\.vpc\.aws\/versions\/1\.4\.0 was refused with HTTP 422:/);
    assert.match(refused.stderr, /422 \w+ Unprocessable Entity: .*\.tf/);
    assert.deepEqual(await moduleVersions(), ['1.2.0', '1.3.0']);
  });

  it('--module without --version: a usage error, exit 2', async () => {
    const r = await runCli(['publish', join(dir, 'vpc'), '--namespace', 'acme', '--module', 'vpc/aws'], env());
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--module: give the version to publish with --version/);
  });

  it('from a CI runner behind an egress proxy: HTTP_PROXY carries every request; a bad HTTPS_PROXY is a usage error', async () => {
    const proxy = await startConnectProxy();
    try {
      const d = await dist('dist-3.0.0', await release('3.0.0'));
      const r = await runCli(['publish', d, '--namespace', 'acme', '--key', keyFile], { ...env(), HTTP_PROXY: proxy.url, NO_PROXY: '' });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^Published acme\/widget 3\.0\.0/);
      const server = new URL(url).host;
      assert.ok(proxy.targets.length > 0 && proxy.targets.every((t) => t === server), proxy.targets.join(', '));
    } finally {
      await proxy.close();
    }
    const bad = await runCli(['publish', join(dir, 'vpc'), '--namespace', 'acme'], { ...env(), HTTPS_PROXY: 'proxy.example.com:3128' });
    assert.equal(bad.code, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /HTTPS_PROXY must be an http:\/\/ or https:\/\/ URL/);
  });
});
