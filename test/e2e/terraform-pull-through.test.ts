// terraform and tofu through the mirror's pull-through (docs/mirror.md), with real processes: the upstream
// is a tf-oci-registry server over HTTPS (test CA) backed by the real Distribution registry, publishing a
// provider built from Go source and signed with a real GnuPG key; the mirror is a second server process over
// HTTPS with an embedded layout store and nothing pre-loaded, configured only by environment. `init` works
// cold (pull-through), then warm with the upstream stopped; lock files made through the upstream's
// providers.v1 are satisfied by the mirror, and those made through the mirror by the upstream.
import { runCli } from '../support/cli.js';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { Agent, request } from 'undici';
import { requireTool } from '../support/distribution.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { cliSkipReason, requireCli, TERRAFORM, terraformWorkspace, TOFU, type TerraformWorkspace } from '../support/terraform.js';
import { buildReleases, hostBlock, mainTf, mirrorBlock, NAMESPACE, publishReleases, TYPE, type Releases } from './fixtures.js';
import { REGISTRY_HOST, startStack, type Stack } from './stack.js';

/** GET a JSON document over HTTPS trusting the test CA. */
async function fetchJson(url: string, ca: string): Promise<unknown> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    const res = await request(url, { dispatcher });
    assert.equal(res.statusCode, 200, url);
    return await res.body.json();
  } finally {
    await dispatcher.close();
  }
}

const skip = cliSkipReason(TERRAFORM) || requireTool('docker-registry', 'gpg', 'zip', 'go', 'openssl').skip || false;
const ADDRESS = `${REGISTRY_HOST}/${NAMESPACE}/${TYPE}`;
test('terraform and tofu through pull-through', { skip }, () => {});

describe('terraform and tofu through pull-through', { skip }, () => {
  let upstream: Stack;
  let releases: Releases;
  let mirror: ServerProcess;
  let dataDir: string;
  const workspaces: TerraformWorkspace[] = [];
  let upstreamLock = '';

  async function workspace(
    cliConfig: string,
    files: Record<string, string>,
    tool: 'terraform' | 'tofu' = 'terraform',
  ): Promise<TerraformWorkspace> {
    const ws = await terraformWorkspace({
      cliConfig,
      files,
      env: { SSL_CERT_FILE: upstream.tls.caPath },
      ...(tool === 'tofu' ? { terraform: requireCli(TOFU) } : {}),
    });
    workspaces.push(ws);
    return ws;
  }

  before(async () => {
    releases = await buildReleases(['1.0.0', '1.1.0']);
    upstream = await startStack();
    await publishReleases(upstream, releases);
    dataDir = await mkdtemp(join(tmpdir(), 'tfoci-pull-'));
    mirror = await startServerProcess({
      ca: upstream.tls.ca,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: dataDir,
        TF_OCI_REGISTRY_SERVER_TLS_CERT: upstream.tls.certPath,
        TF_OCI_REGISTRY_SERVER_TLS_KEY: upstream.tls.keyPath,
        TF_OCI_REGISTRY_SERVER_SECRETS: 'pull-through-secret-0123456789',
        TF_OCI_REGISTRY_MIRROR_UPSTREAM: JSON.stringify([{ hostname: REGISTRY_HOST, url: `${upstream.server.url}/` }]),
        // A second mirror service on another store: the upstream's own registry, downloads straight from it.
        TF_OCI_REGISTRY_MIRROR_SERVICE: JSON.stringify([
          {
            name: 'direct',
            base_path: '/mirrors/direct/',
            url: upstream.registry.url,
            plain_http: true,
            prefix: 'tf',
            download_mode: 'direct',
          },
        ]),
        // The upstream's certificate is signed by the test CA: trusted the way docs/mirror.md says.
        NODE_EXTRA_CA_CERTS: upstream.tls.caPath,
      },
    });
  });
  after(async () => {
    for (const ws of workspaces) await ws.cleanup();
    await mirror?.stop();
    await upstream?.stop();
    await releases?.signer.cleanup();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('a lock file made through the upstream registry (providers.v1), for later', async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, upstream.server.url), mainTf(ADDRESS, '~> 1.0'));
    await ws.runOk(['init', '-input=false']);
    upstreamLock = await readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8');
  });

  it('cold: terraform init through the mirror installs a provider that exists only upstream', async () => {
    const ws = await workspace(mirrorBlock(mirror.url), mainTf(ADDRESS, '~> 1.0'));
    const init = await ws.runOk(['init', '-input=false']);
    assert.match(init.flat, /Installing registry\.example\.test\/acme\/tfocitest v1\.1\.0/);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.1\.0"/);
    // The lock made through the mirror satisfies the upstream's providers.v1, and vice versa.
    const mirrorLock = await readFile(join(ws.dir, '.terraform.lock.hcl'), 'utf8');
    const viaUpstream = await workspace(hostBlock(REGISTRY_HOST, upstream.server.url), mainTf(ADDRESS, '~> 1.0'));
    await writeFile(join(viaUpstream.dir, '.terraform.lock.hcl'), mirrorLock);
    await viaUpstream.runOk(['init', '-input=false']);
    const viaMirror = await workspace(mirrorBlock(mirror.url), mainTf(ADDRESS, '~> 1.0'));
    await writeFile(join(viaMirror.dir, '.terraform.lock.hcl'), upstreamLock);
    await viaMirror.runOk(['init', '-input=false']);
  });

  it('`terraform providers mirror` output imports with `tf-oci-registry mirror --from-dir` and serves terraform', async () => {
    const ws = await workspace(hostBlock(REGISTRY_HOST, upstream.server.url), mainTf(ADDRESS, '~> 1.0'));
    const outDir = join(ws.root, 'providers-mirror');
    await ws.runOk(['providers', 'mirror', '-platform=linux_amd64', '-platform=darwin_arm64', outDir]);
    const layout = join(ws.root, 'imported');
    const toml = join(ws.root, 'import.toml');
    await writeFile(toml, `[storage]\nkind = "layout"\npath = "${layout}"\nprefix = "tf"\n`);
    const r = await runCli(['mirror', ADDRESS, '--from-dir', outDir, '--config', toml]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 imported, 0 already stored, 0 failed/);
    // Mirror-only (no signature in a mirror directory): served on the network mirror, installed by terraform.
    const served = await startServerProcess({
      ca: upstream.tls.ca,
      env: {
        TF_OCI_REGISTRY_STORAGE_KIND: 'layout',
        TF_OCI_REGISTRY_STORAGE_PATH: layout,
        TF_OCI_REGISTRY_STORAGE_PREFIX: 'tf',
        TF_OCI_REGISTRY_SERVER_TLS_CERT: upstream.tls.certPath,
        TF_OCI_REGISTRY_SERVER_TLS_KEY: upstream.tls.keyPath,
        TF_OCI_REGISTRY_SERVER_SECRETS: 'from-dir-secret-0123456789',
      },
    });
    try {
      const install = await workspace(mirrorBlock(served.url), mainTf(ADDRESS, '~> 1.0'));
      const init = await install.runOk(['init', '-input=false']);
      assert.match(init.flat, /Installing registry\.example\.test\/acme\/tfocitest v1\.1\.0/);
    } finally {
      await served.stop();
    }
  });

  it('a second mirror service on another store (download_mode = "direct"): terraform downloads from the registry itself', async () => {
    const ws = await workspace(mirrorBlock(mirror.url).replace('/mirror/', '/mirrors/direct/'), mainTf(ADDRESS, '= 1.0.0'));
    const init = await ws.runOk(['init', '-input=false']);
    assert.match(init.flat, /Installing registry\.example\.test\/acme\/tfocitest v1\.0\.0/);
    // The archive URL is the registry's blob URL, not ours: no download went through the mirror process.
    const doc = await fetchJson(`${mirror.url}/mirrors/direct/${ADDRESS}/1.0.0.json`, upstream.tls.ca);
    const urls = Object.values((doc as { archives: Record<string, { url: string }> }).archives).map((a) => a.url);
    assert.ok(urls.length > 0);
    for (const url of urls) assert.ok(url.startsWith(`${upstream.registry.url}/v2/tf/`), url);
    assert.doesNotMatch(mirror.logs.join('\n'), /"route":"\/download\/m\/direct\//);
    // The main mirror never pulled 1.0.0 through: it stays a version of the service's store only.
    assert.doesNotMatch(mirror.logs.join('\n'), /mirror\/registry\.example\.test\/acme\/tfocitest\/1\.0\.0\.json/);
  });

  it('warm: with the upstream stopped, init through the mirror still installs the stored provider', async () => {
    await upstream.server.stop();
    const ws = await workspace(mirrorBlock(mirror.url), mainTf(ADDRESS, '~> 1.0'));
    const init = await ws.runOk(['init', '-input=false']);
    assert.match(init.flat, /Installing registry\.example\.test\/acme\/tfocitest v1\.1\.0/);
    const apply = await ws.runOk(['apply', '-auto-approve', '-input=false']);
    assert.match(apply.flat, /provider_version = "1\.1\.0"/);
    // A version never pulled is not there while the upstream is down: terraform's own message, no 5xx for stored ones.
    const old = await workspace(mirrorBlock(mirror.url), mainTf(ADDRESS, '= 1.0.0'));
    const r = await old.run(['init', '-input=false']);
    assert.notEqual(r.code, 0);
    assert.match(r.flat, /1\.0\.0/);
  });

  it('tofu init through the same mirror (warm) installs the stored provider', async (t) => {
    const reason = cliSkipReason(TOFU);
    if (reason) return t.skip(reason);
    const ws = await workspace(mirrorBlock(mirror.url), mainTf(ADDRESS, '~> 1.0'), 'tofu');
    const init = await ws.runOk(['init', '-input=false']);
    assert.match(init.flat, /Installing registry\.example\.test\/acme\/tfocitest v1\.1\.0/);
  });
});
